import * as hdr from 'hdr-histogram-js';
import { z } from 'zod';
import { duration } from '../common/duration.js';
import type { History } from '../workload/history.js';
import { nodeIndex, servingRegion } from '../workload/queries.js';
import type { Verdict } from './verdict.js';

/**
 * Latency per pair (client region -> region of the cluster that served it): p50, p95, p99 and max
 * of the successful operations of the measured run (setup and warm-up left out), from an HDR
 * histogram (microsecond values, 3 significant digits), with thresholds. A pair is `A->B`, `local`
 * (every pair with A = B), `remote` (every other) or `*`.
 */
export const LatencyThresholdSchema = z.strictObject({
  pair: z
    .string()
    .regex(/^(\*|local|remote|[a-z0-9-]+->[a-z0-9-]+)$/, 'expected A->B, local, remote or *')
    .default('*'),
  p50: duration(600_000).optional(),
  p95: duration(600_000).optional(),
  p99: duration(600_000).optional(),
  max: duration(600_000).optional(),
});
export type LatencyThreshold = z.output<typeof LatencyThresholdSchema>;

export interface PairLatency {
  pair: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const PERCENTILES = { p50: 50, p95: 95, p99: 99 } as const;

function applies(threshold: string, from: string, to: string): boolean {
  if (threshold === '*') return true;
  if (threshold === 'local') return from === to;
  if (threshold === 'remote') return from !== to;
  return threshold === `${from}->${to}`;
}

/** Latency figures of the measured run's successful operations, by `keyOf(client region, serving region)`. */
function latencyBy(h: History, keyOf: (from: string, to: string) => string): PairLatency[] {
  const nodes = nodeIndex(h);
  const histograms = new Map<string, hdr.Histogram>();
  // Client region -> serving region -> its key's histogram: no key string made per operation.
  const byPair = new Map<string, Map<string, hdr.Histogram>>();
  const from = h.runStart ?? Number.NEGATIVE_INFINITY;
  for (const op of h.ops) {
    if (op.outcome !== 'ok' || op.complete === undefined || op.invoke < from) continue;
    const to = servingRegion(h, nodes, op);
    let row = byPair.get(op.region);
    if (!row) {
      row = new Map();
      byPair.set(op.region, row);
    }
    let hist = row.get(to);
    if (!hist) {
      const key = keyOf(op.region, to);
      hist =
        histograms.get(key) ??
        hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
      histograms.set(key, hist);
      row.set(to, hist);
    }
    hist.recordValue(Math.max(1, Math.round((op.complete - op.invoke) * 1000)));
  }
  return [...histograms]
    .map(([pair, hist]) => ({
      pair,
      count: hist.totalCount,
      p50: hist.getValueAtPercentile(PERCENTILES.p50) / 1000,
      p95: hist.getValueAtPercentile(PERCENTILES.p95) / 1000,
      p99: hist.getValueAtPercentile(PERCENTILES.p99) / 1000,
      max: hist.maxValue / 1000,
    }))
    .sort((a, b) => a.pair.localeCompare(b.pair));
}

/** Per pair (client region -> serving region). */
export function latencyTable(h: History): PairLatency[] {
  return latencyBy(h, (from, to) => `${from}->${to}`);
}

/**
 * Per client region, served in its own region vs in another, side by side: what federating
 * (each region to its own cluster) saves over a central cluster.
 */
export interface ReachLatency {
  region: string;
  local?: PairLatency;
  remote?: PairLatency;
}

export function localVsRemote(h: History): ReachLatency[] {
  const rows = latencyBy(h, (from, to) => `${from} ${from === to ? 'local' : 'remote'}`);
  return [...new Set(rows.map((r) => r.pair.split(' ')[0]!))].map((region) => ({
    region,
    local: rows.find((r) => r.pair === `${region} local`),
    remote: rows.find((r) => r.pair === `${region} remote`),
  }));
}

export function checkLatency(h: History, thresholds: LatencyThreshold[] = []): Verdict {
  const table = latencyTable(h);
  const breaches: string[] = [];
  for (const t of thresholds) {
    for (const row of table) {
      const [from, to] = row.pair.split('->') as [string, string];
      if (!applies(t.pair, from, to)) continue;
      for (const q of ['p50', 'p95', 'p99', 'max'] as const) {
        const limit = t[q];
        if (limit !== undefined && row[q] > limit) breaches.push(`${row.pair} ${q} ${row[q].toFixed(1)} ms > ${limit} ms`);
      }
    }
  }
  const evidence = { pairs: table, thresholds };
  if (!table.length) return { checker: 'latency', status: 'unknown', summary: 'no successful operation to measure', evidence };
  if (breaches.length)
    return {
      checker: 'latency',
      status: 'fail',
      summary: `${breaches.length} threshold(s) exceeded: ${breaches.slice(0, 3).join('; ')}`,
      evidence: { ...evidence, breaches },
    };
  const worst = table.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  return {
    checker: 'latency',
    status: 'pass',
    summary: `${table.length} pair(s)${thresholds.length ? ` within ${thresholds.length} threshold(s)` : ''}; highest p99 ${worst.p99.toFixed(1)} ms (${worst.pair})`,
    evidence,
  };
}
