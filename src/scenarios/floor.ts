import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { busyFigures, type NoiseFloor } from '../checkers/floor.js';
import type { Federation } from '../runtime/federation.js';

/**
 * Measures the run's noise floor beside the workload, every second: the host's CPU busy share (all
 * cores, from the kernel's counters), fedsim's event-loop delay, and a canary per region: a query
 * that costs the database nothing on the region's own cluster, through the workload's own client.
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

export class FloorSampler {
  private readonly busy: number[] = [];
  private readonly canaries = new Map<string, { ms: number[]; failed: number }>();
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  private timer?: NodeJS.Timeout;
  private last = cpuTimes();
  private t0 = performance.now();

  constructor(private readonly fed: Federation) {}

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
  }

  stop(): NoiseFloor {
    clearInterval(this.timer);
    this.loop.disable();
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
    };
  }
}
