import type { FaultRecord } from '../faults/log.js';
import type { MetricSeries, RemoteWritePath, RunMetrics } from '../monitoring/metrics.js';
import { type RemoteWriteOptions, RemoteWriteOptionsSchema } from '../scenarios/expect.js';
import type { History } from '../workload/history.js';
import { type Checker, unknown, type Verdict } from './verdict.js';

/**
 * Remote write as the agents themselves measure it: each vmagent's own metrics, scraped by fedsim's
 * Prometheus during the run (metrics.json), per path (agent region -> its store's region):
 * - latency: p50/p99 of `vmagent_remotewrite_duration_seconds` over the measured run, left out
 *   while a fault touches the path (from asked to undone plus `settle`: a stalled request's duration
 *   is the fault's, not the path's). VictoriaMetrics' histogram has 18 buckets a decade; a
 *   percentile is interpolated inside its bucket (within about 6%).
 * - availability: failed requests (`vmagent_remotewrite_errors_total` and non-2XX answers) on a
 *   path no fault touched (there must be none: "the other regions are unaffected"); samples
 *   dropped (`vmagent_remotewrite_packets_dropped_total`, none allowed); data still pending at the
 *   end (`vmagent_remotewrite_pending_data_bytes`, none: the buffer drained after heal).
 * Unknown without the metrics, or when a path has no request outside faults.
 */
export { type RemoteWriteOptions, RemoteWriteOptionsSchema };

export interface RemoteWriteRow {
  layout: string;
  agent: string;
  pair: string;
  /** Requests timed outside faults, and their p50/p99 in ms. */
  requests: number;
  p50?: number;
  p99?: number;
  /** Failed requests while a fault touched the path, and while none did. */
  errorsTouched: number;
  errorsUntouched: number;
  dropped: number;
  pendingBytes?: number;
}

const DURATION = 'vmagent_remotewrite_duration_seconds_bucket';

/** Increments of a counter, each at the end of its scrape interval; a drop is a restart (Prometheus' increase). */
function increments(s: MetricSeries, bornAfter: number): { from: number; to: number; inc: number }[] {
  const out: { from: number; to: number; inc: number }[] = [];
  const xs = s.samples;
  // A series first seen after its replica's first scrape appeared then: it counted from 0.
  if (xs.length && xs[0]![0] > bornAfter) out.push({ from: bornAfter, to: xs[0]![0], inc: xs[0]![1] });
  for (let i = 1; i < xs.length; i++) {
    const [t0, v0] = xs[i - 1]!;
    const [t1, v1] = xs[i]!;
    out.push({ from: t0, to: t1, inc: v1 >= v0 ? v1 - v0 : v1 });
  }
  return out;
}

/** The value at quantile q of VictoriaMetrics buckets (`vmrange="lo...hi"`, in seconds) -> ms. */
export function vmrangeQuantile(buckets: Map<string, number>, q: number): number | undefined {
  const rows = [...buckets.entries()]
    .map(([r, n]) => {
      const [lo, hi] = r.split('...').map(Number) as [number, number];
      return { lo, hi, n };
    })
    .filter((b) => b.n > 0 && Number.isFinite(b.lo) && Number.isFinite(b.hi))
    .sort((a, b) => a.lo - b.lo);
  const total = rows.reduce((a, b) => a + b.n, 0);
  if (!total) return undefined;
  const rank = q * total;
  let seen = 0;
  for (const b of rows) {
    if (seen + b.n >= rank) return (b.lo + ((rank - seen) / b.n) * (b.hi - b.lo)) * 1000;
    seen += b.n;
  }
  return rows.at(-1)!.hi * 1000;
}

function touches(f: FaultRecord, p: RemoteWritePath): boolean {
  if (f.nodes.includes(p.replica) || f.nodes.includes(p.storeReplica)) return true;
  if (p.region === p.storeRegion) return false;
  return f.directions.some(([a, b]) => (a === p.region && b === p.storeRegion) || (a === p.storeRegion && b === p.region));
}

function applies(rule: string, from: string, to: string): boolean {
  return rule === '*' || (rule === 'local' ? from === to : rule === 'remote' ? from !== to : rule === `${from}->${to}`);
}

/** Every path's row, from the metrics and the fault log (exported for the summary). */
export function remoteWriteRows(m: RunMetrics, h: History, faults: FaultRecord[], settle: number): RemoteWriteRow[] {
  const start = h.runStart ?? 0;
  const end = h.runEnd ?? Number.POSITIVE_INFINITY;
  return m.paths.map((p) => {
    const mine = m.series.filter((s) => s.labels.replica === p.replica);
    const born = Math.min(...mine.map((s) => s.samples[0]?.[0] ?? Number.POSITIVE_INFINITY));
    const windows = faults
      .filter((f) => touches(f, p))
      .map((f) => [f.asked.t, (f.undone?.t ?? Number.POSITIVE_INFINITY) + settle] as const);
    const quiet = (from: number, to: number) => windows.every(([a, b]) => to <= a || from >= b);
    const buckets = new Map<string, number>();
    let errorsTouched = 0;
    let errorsUntouched = 0;
    let dropped = 0;
    for (const s of mine) {
      const isError =
        s.name === 'vmagent_remotewrite_errors_total' ||
        (s.name === 'vmagent_remotewrite_requests_total' && !(s.labels.status_code ?? '').startsWith('2'));
      for (const { from, to, inc } of increments(s, born)) {
        if (!inc) continue;
        if (s.name === 'vmagent_remotewrite_packets_dropped_total') dropped += inc;
        if (to <= start) continue;
        if (isError) {
          if (quiet(from, to)) errorsUntouched += inc;
          else errorsTouched += inc;
        }
        if (s.name === DURATION && to <= end && quiet(from, to)) {
          const r = s.labels.vmrange ?? '';
          buckets.set(r, (buckets.get(r) ?? 0) + inc);
        }
      }
    }
    const pending = mine.filter((s) => s.name === 'vmagent_remotewrite_pending_data_bytes');
    const requests = [...buckets.values()].reduce((a, b) => a + b, 0);
    return {
      layout: p.layout,
      agent: p.replica,
      pair: `${p.region}->${p.storeRegion}`,
      requests,
      p50: vmrangeQuantile(buckets, 0.5),
      p99: vmrangeQuantile(buckets, 0.99),
      errorsTouched,
      errorsUntouched,
      dropped,
      pendingBytes: pending.length ? pending.reduce((a, s) => a + (s.samples.at(-1)?.[1] ?? 0), 0) : undefined,
    };
  });
}

const ms = (x: number | undefined) => (x === undefined ? '-' : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`);

export function remoteWrite(opts: RemoteWriteOptions): Checker {
  return (run): Verdict => {
    const m = run.metrics;
    if (!m) return unknown('remote-write', 'no metrics of the agents were kept (no metrics.json; is monitoring on?)');
    if (m.error) return unknown('remote-write', `the agents' metrics could not be read: ${m.error}`, { error: m.error });
    const rows = remoteWriteRows(m, run.history, run.faults, opts.settle);
    const blind = rows.filter((r) => r.requests === 0 || r.pendingBytes === undefined);
    const problems: string[] = [];
    for (const r of rows) {
      const [from, to] = r.pair.split('->') as [string, string];
      if (r.errorsUntouched) problems.push(`${r.agent} (${r.pair}): ${r.errorsUntouched} failed request(s) while no fault touched it`);
      if (r.dropped) problems.push(`${r.agent} (${r.pair}): ${r.dropped} block(s) of samples dropped`);
      if (r.pendingBytes) problems.push(`${r.agent} (${r.pair}): ${r.pendingBytes} bytes still pending at the end`);
      for (const t of opts.latency) {
        if ((t.layout && t.layout !== r.layout) || !applies(t.pair, from, to)) continue;
        for (const q of ['p50', 'p99'] as const) {
          const limit = t[q];
          const got = r[q];
          if (limit !== undefined && got !== undefined && got > limit)
            problems.push(`${r.layout} ${r.pair} ${q} ${ms(got)} > ${ms(limit)}`);
        }
      }
    }
    const evidence = { rows };
    if (problems.length) return { checker: 'remote-write', status: 'fail', summary: problems.slice(0, 4).join('; '), evidence };
    if (blind.length)
      return unknown(
        'remote-write',
        `${blind.length} agent(s) with no request timed outside faults or no pending figure: ${blind.map((r) => r.agent).join(', ')}`,
        evidence,
      );
    const worst = rows.reduce((a, r) => Math.max(a, r.errorsTouched), 0);
    return {
      checker: 'remote-write',
      status: 'pass',
      summary: `${rows.length} agents: ${rows.reduce((a, r) => a + r.requests, 0)} requests timed outside faults, no failure on a path no fault touched${worst ? ` (up to ${worst} while one did)` : ''}, nothing dropped, nothing pending at the end`,
      evidence,
    };
  };
}
