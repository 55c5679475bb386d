import { Latencies } from '../checkers/percentiles.js';
import { CompletedOps, type History, type Op } from '../workload/history.js';
import { nodeIndex, servingRegion } from '../workload/queries.js';

/**
 * Live traffic, sampled from the history as it grows: per client region the operations and errors
 * per second and p50/p99 over the last window, and per link (client region -> serving region) the
 * median latency the workload measures now. Each sample reads only the operations completed since
 * the previous one, so its cost does not grow with the run.
 */
export interface RegionTraffic {
  opsPerSec: number;
  errorsPerSec: number;
  p50?: number;
  p99?: number;
}

export interface TrafficSample {
  /** Run clock, ms. */
  t: number;
  windowMs: number;
  regions: Record<string, RegionTraffic>;
  /** "A->B" -> median ms of the successful operations from A served in B, in the window. */
  links: Record<string, number>;
}

/** The one percentile definition of fedsim (checkers/percentiles.ts), over a window's latencies. */
function percentile(ms: number[], p: number): number | undefined {
  if (!ms.length) return undefined;
  const l = new Latencies();
  for (const x of ms) l.record(x);
  return l.at(p);
}

export class TrafficSampler {
  private readonly completed: CompletedOps;
  private last: number;

  constructor(
    private readonly history: History,
    start: number,
  ) {
    this.last = start;
    this.completed = new CompletedOps(history);
  }

  sample(now: number): TrafficSample {
    const done = this.completed.next();
    const windowMs = Math.max(1, now - this.last);
    this.last = now;
    const nodes = nodeIndex(this.history);
    const byRegion = new Map<string, Op[]>();
    const byLink = new Map<string, number[]>();
    for (const op of done) {
      if (!byRegion.has(op.region)) byRegion.set(op.region, []);
      byRegion.get(op.region)!.push(op);
      if (op.outcome !== 'ok') continue;
      const key = `${op.region}->${servingRegion(this.history, nodes, op)}`;
      if (!byLink.has(key)) byLink.set(key, []);
      byLink.get(key)!.push(op.complete! - op.invoke);
    }
    const regions: Record<string, RegionTraffic> = {};
    for (const region of this.history.meta.workload.regions ?? this.history.meta.regions) {
      const list = byRegion.get(region) ?? [];
      const ms = list.filter((o) => o.outcome === 'ok').map((o) => o.complete! - o.invoke);
      regions[region] = {
        opsPerSec: (list.length * 1000) / windowMs,
        errorsPerSec: (list.filter((o) => o.outcome !== 'ok').length * 1000) / windowMs,
        p50: percentile(ms, 50),
        p99: percentile(ms, 99),
      };
    }
    const links: Record<string, number> = {};
    for (const [key, ms] of byLink) links[key] = percentile(ms, 50)!;
    return { t: now, windowMs, regions, links };
  }
}
