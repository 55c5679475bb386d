import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { busyFigures, type LinkCanary, type NoiseFloor } from '../checkers/floor.js';
import { CqlPinger } from '../runtime/cql.js';
import type { Federation } from '../runtime/federation.js';

/**
 * Measures the run's noise floor beside the workload, every second: the host's CPU busy share (all
 * cores, from the kernel's counters), fedsim's event-loop delay, and a canary per region: a query
 * that costs the database nothing on the region's own cluster, through the workload's own client;
 * and a canary per configured link (a CQL OPTIONS round trip through the first region's gateway to a
 * node of the second), sampled only in the seconds `quiet()` says no fault is possibly in effect, so
 * that it measures the WAN as configured plus what the host adds, not a fault.
 */
const EVERY_MS = 1000;
const CANARY = 'SELECT release_version FROM system.local';

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

interface LinkRow {
  link: Omit<LinkCanary, 'count' | 'failed' | 'p50' | 'p99'>;
  pinger: CqlPinger;
  ms: number[];
  failed: number;
}

export class FloorSampler {
  private readonly busy: number[] = [];
  private readonly canaries = new Map<string, { ms: number[]; failed: number }>();
  private readonly links: LinkRow[];
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private timer?: NodeJS.Timeout;
  private last = cpuTimes();
  private t0 = performance.now();

  constructor(
    private readonly fed: Federation,
    private readonly opts: {
      /** False while a fault is possibly in effect: link canaries wait. */
      quiet?: () => boolean;
      /** Told the floor so far after every sample (a live view). */
      onSample?: (floor: NoiseFloor) => void;
    } = {},
  ) {
    const { plan, endpoints } = fed;
    this.links = plan.links.flatMap((l) => {
      const node = plan.nodes.find((n) => n.region === l.to);
      const endpoint = node && endpoints[l.from]?.[node.address];
      if (l.from === l.to || !endpoint) return [];
      const back = plan.links.find((b) => b.from === l.to && b.to === l.from);
      const link = {
        from: l.from,
        to: l.to,
        configuredMs: l.latencyMs + (back?.latencyMs ?? 0),
        jitterMs: l.jitterMs + (back?.jitterMs ?? 0),
      };
      return [{ link, pinger: new CqlPinger(endpoint), ms: [], failed: 0 }];
    });
  }

  start(): void {
    this.loop.enable();
    this.t0 = performance.now();
    this.last = cpuTimes();
    this.timer = setInterval(() => this.sample(), EVERY_MS);
  }

  private sample(): void {
    const now = cpuTimes();
    const total = now.total - this.last.total;
    if (total > 0) this.busy.push((now.busy - this.last.busy) / total);
    this.last = now;
    for (const region of this.fed.plan.regions) {
      const cluster = this.fed.plan.clusters.find((c) => c.regions.includes(region));
      if (!cluster) continue;
      const row = this.canaries.get(region) ?? { ms: [], failed: 0 };
      this.canaries.set(region, row);
      const t = performance.now();
      this.fed
        .client(region, cluster.name)
        .execute(CANARY, [], { readTimeout: 5000 })
        .then(
          () => row.ms.push(performance.now() - t),
          () => row.failed++,
        );
    }
    const quiet = this.opts.quiet ?? (() => true);
    if (quiet())
      // A ping still waiting (a link slower than a second) is not a failure: that second is skipped.
      for (const row of this.links)
        if (!row.pinger.busy)
          void row.pinger.ping().then((ms) => {
            // A fault asked for while the ping was on its way: not the configured WAN either.
            if (!quiet()) return;
            if (ms === undefined) row.failed++;
            else row.ms.push(ms);
          });
    if (this.opts.onSample) this.opts.onSample(this.floor());
  }

  stop(): NoiseFloor {
    clearInterval(this.timer);
    const floor = this.floor();
    this.loop.disable();
    for (const row of this.links) row.pinger.close();
    return floor;
  }

  /** The floor sampled so far. */
  floor(): NoiseFloor {
    const at = (xs: number[], q: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * q))]! : 0;
    };
    return {
      seconds: (performance.now() - this.t0) / 1000,
      hostCpu: { cores: cpus().length, ...busyFigures(this.busy) },
      eventLoop: { p99: this.loop.percentile(99) / 1e6, max: this.loop.max / 1e6 },
      canary: [...this.canaries].map(([region, r]) => ({
        region,
        count: r.ms.length,
        failed: r.failed,
        p50: at(r.ms, 0.5),
        p99: at(r.ms, 0.99),
      })),
      links: this.links.map((r) => ({ ...r.link, count: r.ms.length, failed: r.failed, p50: at(r.ms, 0.5), p99: at(r.ms, 0.99) })),
    };
  }
}
