import type { RemoteWriteOptions } from '../checkers/remote-write.js';
import type { Plan } from '../topology/plan.js';
import type { MetricSeries, RemoteWritePath, RunMetrics } from './metrics.js';

/**
 * Keeps what fedsim's Prometheus scraped of the agents' own remote-write metrics during a run: the
 * raw samples of each series (a range selector at the end, so nothing is averaged), on the run's
 * clock, and which store each agent replica writes to (its region's replica of the store service,
 * else the first). Written to the run folder as metrics.json, what `remote-write` judges.
 */
export const REMOTE_WRITE_METRICS = [
  'vmagent_remotewrite_duration_seconds_bucket',
  'vmagent_remotewrite_requests_total',
  'vmagent_remotewrite_errors_total',
  'vmagent_remotewrite_packets_dropped_total',
  'vmagent_remotewrite_pending_data_bytes',
];

export function remoteWritePaths(plan: Plan, opts: RemoteWriteOptions): RemoteWritePath[] {
  return opts.agents.flatMap((a) =>
    plan.replicas
      .filter((r) => r.service === a.service)
      .map((r): RemoteWritePath => {
        const stores = plan.replicas.filter((s) => s.service === a.store);
        const store = stores.find((s) => s.region === r.region) ?? stores[0];
        if (!store) throw new Error(`remote write: "${a.store}" is not a service of the topology`);
        return {
          layout: a.layout,
          agent: a.service,
          replica: r.name,
          region: r.region,
          store: a.store,
          storeReplica: store.name,
          storeRegion: store.region,
        };
      }),
  );
}

interface Matrix {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** `origin`: the wall time (ms) at the run clock's 0. */
export async function collectRemoteWrite(
  prometheus: string,
  paths: RemoteWritePath[],
  origin: number,
  signal?: AbortSignal,
): Promise<RunMetrics> {
  const replicas = new Set(paths.map((p) => p.replica));
  const now = Date.now();
  const range = Math.ceil((now - origin) / 1000) + 5;
  const series: MetricSeries[] = [];
  try {
    for (const name of REMOTE_WRITE_METRICS) {
      const q = new URLSearchParams({ query: `${name}[${range}s]`, time: String(now / 1000) });
      const res = await fetch(`${prometheus}/api/v1/query?${q}`, { signal: signal ?? AbortSignal.timeout(10_000) });
      const body = (await res.json()) as Matrix;
      if (body.status !== 'success') throw new Error(`Prometheus answered ${res.status}: ${body.error ?? 'no data'}`);
      for (const r of body.data?.result ?? []) {
        if (!replicas.has(r.metric.replica ?? '')) continue;
        const { __name__: _, ...labels } = r.metric;
        series.push({ name, labels, samples: r.values.map(([t, v]) => [Math.round(t * 1000 - origin), Number(v)]) });
      }
    }
  } catch (err) {
    return { paths, series, error: err instanceof Error ? err.message : String(err) };
  }
  return { paths, series };
}
