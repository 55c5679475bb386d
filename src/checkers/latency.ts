import type { LatencyThreshold } from '../scenarios/expect.js';
import type { History } from '../workload/history.js';
import { nodeIndex, servingRegion } from '../workload/queries.js';
import { Latencies } from './percentiles.js';
import type { Checker } from './verdict.js';

/**
 * Latency per pair (client region -> region of the cluster that served it): p50, p95, p99 and max
 * of the successful operations of the measured run (setup and warm-up left out), from an HDR
 * histogram (microsecond values, 3 significant digits), with thresholds. A pair is `A->B`, `local`
 * (every pair with A = B), `remote` (every other) or `*`.
 */
export { type LatencyThreshold, LatencyThresholdSchema } from '../scenarios/expect.js';

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

/** The measured run's successful operations' latencies, by `keyOf(client region, serving region)`. */
function latenciesBy(h: History, keyOf: (from: string, to: string) => string): Map<string, Latencies> {
  const nodes = nodeIndex(h);
  const histograms = new Map<string, Latencies>();
  // Client region -> serving region -> its key's histogram: no key string made per operation.
  const byPair = new Map<string, Map<string, Latencies>>();
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
      hist = histograms.get(key) ?? new Latencies();
      histograms.set(key, hist);
      row.set(to, hist);
    }
    hist.record(op.complete - op.invoke);
  }
  return histograms;
}

const row = (pair: string, l: Latencies): PairLatency => ({
  pair,
  count: l.count,
  p50: l.at(PERCENTILES.p50),
  p95: l.at(PERCENTILES.p95),
  p99: l.at(PERCENTILES.p99),
  max: l.max,
});

function latencyBy(h: History, keyOf: (from: string, to: string) => string): PairLatency[] {
  return [...latenciesBy(h, keyOf)].map(([pair, l]) => row(pair, l)).sort((a, b) => a.pair.localeCompare(b.pair));
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

/** Latency thresholds, bound at construction; a figure exactly on its limit holds. */
export const latency =
  (thresholds: LatencyThreshold[] = []): Checker =>
  ({ history: h }) => {
    const pairs = [...latenciesBy(h, (from, to) => `${from}->${to}`)].sort(([a], [b]) => a.localeCompare(b));
    const table = pairs.map(([pair, l]) => row(pair, l));
    const breaches: string[] = [];
    let largestExcessMs = 0;
    for (const t of thresholds) {
      for (const [pair, l] of pairs) {
        const [from, to] = pair.split('->') as [string, string];
        if (!applies(t.pair, from, to)) continue;
        for (const q of ['p50', 'p95', 'p99', 'max'] as const) {
          const limit = t[q];
          if (limit === undefined) continue;
          const holds = q === 'max' ? l.maxWithin(limit) : l.within(PERCENTILES[q], limit);
          const figure = q === 'max' ? l.max : l.at(PERCENTILES[q]);
          if (!holds) {
            breaches.push(`${pair} ${q} ${figure.toFixed(1)} ms > ${limit} ms`);
            largestExcessMs = Math.max(largestExcessMs, figure - limit);
          }
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
        evidence: { ...evidence, breaches, largestExcessMs },
      };
    const worst = table.reduce((a, b) => (b.p99 > a.p99 ? b : a));
    return {
      checker: 'latency',
      status: 'pass',
      summary: `${table.length} pair(s)${thresholds.length ? ` within ${thresholds.length} threshold(s)` : ''}; highest p99 ${worst.p99.toFixed(1)} ms (${worst.pair})`,
      evidence,
    };
  };
