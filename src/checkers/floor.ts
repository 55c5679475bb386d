/**
 * The noise floor: what the host alone did to a run, measured by fedsim itself beside the workload.
 * On a laptop or a CI runner with a few cores shared with other jobs, a latency or availability
 * figure may say more about the host than about the database; the floor says which.
 */
export interface NoiseFloor {
  /** Seconds sampled. */
  seconds: number;
  /** The host's CPU: cores, and the busy share (0-1) of each second sampled, its mean and 90th percentile. */
  hostCpu: { cores: number; mean: number; p90: number };
  /** fedsim's own event-loop delay, ms: a busy fedsim measures late. */
  eventLoop: { p99: number; max: number };
  /**
   * Canaries: per region, a trivial query (system.local) on its own region's cluster through the
   * same client and gateway the workload uses, where no link is configured: ms, what a query that
   * costs the database nothing takes on this host now.
   */
  canary: { region: string; count: number; failed: number; p50: number; p99: number }[];
  /**
   * Link canaries: per configured link, a CQL round trip that costs the node nothing (OPTIONS) from
   * the link's first region through its gateway to a node of the other, on one kept connection,
   * sampled only while no fault is possibly in effect: ms measured beside the round trip configured
   * (both ways' latency, and their jitter). What the WAN the run had was, and what the host added
   * to it. Absent in runs recorded before link canaries.
   */
  links?: LinkCanary[];
}

export interface LinkCanary {
  from: string;
  to: string;
  configuredMs: number;
  jitterMs: number;
  count: number;
  failed: number;
  p50: number;
  p99: number;
}

/**
 * Bounds beyond which the host, not the database, may explain a breach (docs/OPERATIONS.md, "The
 * noise floor"): an idle node answers system.local in 2-10 ms and fedsim's loop lags a few ms.
 */
export const FLOOR_BOUNDS = {
  /** The host's CPU busy share in the busiest tenth of the seconds sampled. */
  hostCpuP90: 0.9,
  eventLoopP99Ms: 100,
  canaryP99Ms: 50,
  /** How far a link canary's median may sit above the configured round trip: max(10%, 10 ms). */
  linkExcessShare: 0.1,
  linkExcessMs: 10,
} as const;

/** The ms a link canary's median sits above its configured round trip beyond its bound, or 0. */
const linkBound = (l: LinkCanary) => Math.max(FLOOR_BOUNDS.linkExcessShare * l.configuredMs, FLOOR_BOUNDS.linkExcessMs);

/** The bounds the floor is beyond, each with its figure; empty: the host was quiet enough. */
export function saturation(floor: NoiseFloor): string[] {
  const why: string[] = [];
  if (floor.hostCpu.p90 >= FLOOR_BOUNDS.hostCpuP90)
    why.push(`host CPU ${pct(floor.hostCpu.p90)} busy in the busiest tenth of the run (bound ${pct(FLOOR_BOUNDS.hostCpuP90)})`);
  if (floor.eventLoop.p99 > FLOOR_BOUNDS.eventLoopP99Ms)
    why.push(`fedsim's event loop p99 delay ${floor.eventLoop.p99.toFixed(0)} ms (bound ${FLOOR_BOUNDS.eventLoopP99Ms} ms)`);
  const worst = worstCanary(floor);
  if (worst && worst.p99 > FLOOR_BOUNDS.canaryP99Ms)
    why.push(`local canary p99 ${worst.p99.toFixed(0)} ms in ${worst.region} (bound ${FLOOR_BOUNDS.canaryP99Ms} ms)`);
  for (const l of floor.links ?? [])
    if (l.count && l.p50 - l.configuredMs > linkBound(l))
      why.push(
        `link ${l.from}->${l.to} canary p50 ${l.p50.toFixed(0)} ms where ${l.configuredMs} ms is configured (bound +${linkBound(l).toFixed(0)} ms)`,
      );
  return why;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function worstCanary(floor: NoiseFloor): NoiseFloor['canary'][number] | undefined {
  return floor.canary.reduce<NoiseFloor['canary'][number] | undefined>((a, b) => (!a || b.p99 > a.p99 ? b : a), undefined);
}

/** One line: the floor as a person reads it beside a figure. */
export function floorLine(floor: NoiseFloor): string {
  const worst = worstCanary(floor);
  return `host CPU ${pct(floor.hostCpu.mean)} mean, ${pct(floor.hostCpu.p90)} p90 of ${floor.hostCpu.cores} cores; event loop p99 ${floor.eventLoop.p99.toFixed(0)} ms; local canary p99 ${worst ? `${worst.p99.toFixed(1)} ms (${worst.region})` : 'not measured'}${linksLine(floor)}`;
}

/** The links' fidelity in a few words: the one farthest from its configured round trip. */
function linksLine(floor: NoiseFloor): string {
  const measured = (floor.links ?? []).filter((l) => l.count);
  if (!floor.links?.length) return '';
  if (!measured.length) return '; link canaries not measured (a fault was in effect throughout)';
  const off = (l: LinkCanary) => l.p50 - l.configuredMs;
  const worst = measured.reduce((a, b) => (Math.abs(off(b)) > Math.abs(off(a)) ? b : a));
  return `; links p50 within ${Math.abs(off(worst)).toFixed(1)} ms of configured (worst ${worst.from}->${worst.to}: ${worst.p50.toFixed(1)} of ${worst.configuredMs} ms)`;
}

/** Mean and 90th percentile of busy shares. */
export function busyFigures(busy: number[]): { mean: number; p90: number } {
  if (!busy.length) return { mean: 0, p90: 0 };
  const sorted = [...busy].sort((a, b) => a - b);
  return {
    mean: busy.reduce((a, b) => a + b, 0) / busy.length,
    p90: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!,
  };
}

/** The largest breach of a latency threshold, ms over its limit (from the latency verdict's evidence). */
export function largestExcess(evidence: Record<string, unknown>): number | undefined {
  const x = evidence.largestExcessMs;
  return typeof x === 'number' ? x : undefined;
}

/**
 * The noise a host alone can add to one request: the worst local canary p99, or what a link canary's
 * p99 took beyond its configured round trip and jitter, whichever is more.
 */
export function hostNoiseMs(floor: NoiseFloor): number {
  const links = (floor.links ?? []).filter((l) => l.count).map((l) => l.p99 - l.configuredMs - l.jitterMs);
  return Math.max(worstCanary(floor)?.p99 ?? 0, ...links);
}
