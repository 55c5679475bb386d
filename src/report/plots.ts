import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import type { History, Op } from '../workload/history.js';
import { nodeIndex, servingRegion } from '../workload/queries.js';

/**
 * What the plots of a run show, computed once from its history, fault log and alerts (pure), for
 * both report.html and the SVGs. Times are seconds on the run's clock (the one summary.md and the
 * fault log use); latencies are ms.
 *
 * Latency points are thinned on a grid: of the operations of one region and outcome that fall in
 * the same cell (a time column, a band of log-latency), one is kept. A cell is smaller than a
 * point as drawn, so the eye cannot tell the thinned plot from the whole one, and 10^6 operations
 * become at most the grid's size per region (in practice far fewer: latencies cluster).
 */
export type OutcomeCode = 0 | 1 | 2;
const OUTCOMES = ['ok', 'fail', 'info'] as const;

export interface LatencyPoints {
  /** Invoke time (s), sorted. */
  x: number[];
  /** Latency (ms). */
  y: number[];
  /** 0 ok, 1 failed, 2 unknown. */
  o: OutcomeCode[];
  /** Operations before thinning, per outcome. */
  counts: [number, number, number];
}

export interface FaultBand {
  id: string;
  label: string;
  from: number;
  /** Undone; the end of the plot when it never was. */
  to: number;
  undone: boolean;
}

export interface Plots {
  regions: string[];
  /** The time axis: first invoke to last completion (s). */
  span: [number, number];
  runStart?: number;
  runEnd?: number;
  latency: Record<string, LatencyPoints>;
  /** Per time bin (start, s): per region ok and error (failed or unknown) operations per second, by completion. */
  rate: { width: number; t: number[]; ok: Record<string, number[]>; errors: Record<string, number[]> };
  /** Per region pair (client -> serving region), successful operations' p50/p95/p99 per time bin; null: none. */
  quantiles: { pair: string; width: number; t: number[]; p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] }[];
  faults: FaultBand[];
  alerts: { t: number; alert: string; status: 'firing' | 'resolved' }[];
  /** Per region, the stretches (s) where most operations that completed failed or were unknown (1-s bins merged). */
  unavailable: Record<string, [number, number][]>;
  timeline: Timeline;
}

/** Jepsen's timeline: operations as bars, a lane per concurrent client (first free lane), per region. */
export interface Timeline {
  from: number;
  to: number;
  /** The operations in the window beyond `limit`, left out. */
  omitted: number;
  /** [region, lane, invoke s, complete s (null: never), outcome, kind]. */
  ops: [string, number, number, number | null, OutcomeCode, string][];
}

export interface PlotOptions {
  /** Grid of the latency thinning: time columns and log-latency bands. */
  grid?: { x: number; y: number };
  /** The timeline's window (s); default around the first fault (else the run's start). */
  timeline?: [number, number];
  /** At most this many operations in the timeline. */
  timelineLimit?: number;
}

const sec = (ms: number) => Math.round(ms) / 1000;
/** Three significant digits: what a log-scale point can show. */
const sig3 = (v: number) => (v === 0 ? 0 : Number(v.toPrecision(3)));

/** The fault bands: faults that took effect, from effect to undo. */
export function faultBands(faults: FaultRecord[], end: number): FaultBand[] {
  return faults
    .filter((f) => f.effect)
    .map((f) => ({
      id: f.id,
      label: `${f.kind} ${f.target}`,
      from: sec(f.effect!.t),
      to: f.undone ? sec(f.undone.t) : end,
      undone: !!f.undone,
    }));
}

const code = (o: Op['outcome']): OutcomeCode => (o === 'ok' ? 0 : o === 'fail' ? 1 : 2);

export function buildPlots(h: History, faults: FaultRecord[], alerts: AlertLine[] = [], opts: PlotOptions = {}): Plots {
  const grid = opts.grid ?? { x: 800, y: 100 };
  const regions = [...h.meta.regions];
  for (const op of h.ops) if (!regions.includes(op.region)) regions.push(op.region);
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const op of h.ops) {
    if (op.invoke < t0) t0 = op.invoke;
    const end = op.complete ?? op.invoke;
    if (end > t1) t1 = end;
    if (op.complete !== undefined) {
      const l = Math.max(op.complete - op.invoke, 0.01);
      if (l < lo) lo = l;
      if (l > hi) hi = l;
    }
  }
  for (const f of faults) for (const i of [f.effect, f.undone]) if (i && i.t > t1) t1 = i.t;
  if (!Number.isFinite(t0)) t0 = 0;
  if (t1 <= t0) t1 = t0 + 1000;
  if (!Number.isFinite(lo)) [lo, hi] = [1, 10];
  const span: [number, number] = [sec(t0), sec(t1)];
  const regionIndex = new Map(regions.map((r, i) => [r, i]));

  // Latency, thinned: a cell taken per region and outcome.
  const taken = new Uint8Array(regions.length * 3 * grid.x * grid.y);
  const logLo = Math.log(lo);
  const logSpan = Math.max(Math.log(hi) - logLo, 1e-9);
  const kept: { r: number; x: number; y: number; o: OutcomeCode }[] = [];
  const counts = regions.map((): [number, number, number] => [0, 0, 0]);
  for (const op of h.ops) {
    if (op.complete === undefined) continue;
    const r = regionIndex.get(op.region)!;
    const o = code(op.outcome);
    counts[r]![o]++;
    const l = Math.max(op.complete - op.invoke, 0.01);
    const cx = Math.min(grid.x - 1, Math.floor(((op.invoke - t0) / (t1 - t0)) * grid.x));
    const cy = Math.min(grid.y - 1, Math.floor(((Math.log(l) - logLo) / logSpan) * grid.y));
    const cell = ((r * 3 + o) * grid.x + cx) * grid.y + cy;
    if (taken[cell]) continue;
    taken[cell] = 1;
    kept.push({ r, x: sec(op.invoke), y: sig3(l), o });
  }
  kept.sort((a, b) => a.x - b.x);
  const latency: Record<string, LatencyPoints> = {};
  regions.forEach((region, i) => {
    latency[region] = { x: [], y: [], o: [], counts: counts[i]! };
  });
  for (const p of kept) {
    const l = latency[regions[p.r]!]!;
    l.x.push(p.x);
    l.y.push(p.y);
    l.o.push(p.o);
  }

  // Throughput and errors per bin: 1 s, wider for long runs (at most 1000 bins).
  const width = Math.max(1000, Math.ceil((t1 - t0) / 1000 / 1000) * 1000);
  const bins = Math.floor((t1 - t0) / width) + 1;
  const okBins = regions.map(() => new Array<number>(bins).fill(0));
  const errBins = regions.map(() => new Array<number>(bins).fill(0));
  for (const op of h.ops) {
    const b = Math.floor(((op.complete ?? op.invoke) - t0) / width);
    const r = regionIndex.get(op.region)!;
    (op.outcome === 'ok' ? okBins : errBins)[r]![b]!++;
  }
  const perSec = (n: number) => Math.round((n * 1000 * 100) / width) / 100;
  const rate: Plots['rate'] = {
    width: width / 1000,
    t: Array.from({ length: bins }, (_, i) => sec(t0 + i * width)),
    ok: Object.fromEntries(regions.map((r, i) => [r, okBins[i]!.map(perSec)])),
    errors: Object.fromEntries(regions.map((r, i) => [r, errBins[i]!.map(perSec)])),
  };

  // Where most operations failed: bins of the rate (errors > ok), merged.
  const unavailable: Plots['unavailable'] = {};
  regions.forEach((region, r) => {
    const out: [number, number][] = [];
    for (let b = 0; b < bins; b++) {
      if (errBins[r]![b]! <= okBins[r]![b]!) continue;
      const from = rate.t[b]!;
      const last = out.at(-1);
      if (last && last[1] === from) last[1] = sec(t0 + (b + 1) * width);
      else out.push([from, sec(t0 + (b + 1) * width)]);
    }
    unavailable[region] = out;
  });

  return {
    regions,
    span,
    runStart: h.runStart === undefined ? undefined : sec(h.runStart),
    runEnd: h.runEnd === undefined ? undefined : sec(h.runEnd),
    latency,
    rate,
    quantiles: quantilesOverTime(h, t0, t1),
    faults: faultBands(faults, span[1]),
    alerts: alerts.map((a) => ({ t: sec(a.t), alert: a.alert, status: a.status })),
    unavailable,
    timeline: timeline(h, faults, regionIndex, span, opts),
  };
}

/**
 * Latencies' percentile (the smallest value that at least p% of values do not exceed), exact
 * rather than from an HDR histogram's 3-digit buckets: a plot cannot show the 0.1% between them,
 * and a histogram per bin and pair would cost a 10^6-operation report most of its time.
 */
function nearestRank(sorted: Float64Array, p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Per pair, successful operations' quantiles in at most 120 bins. */
function quantilesOverTime(h: History, t0: number, t1: number): Plots['quantiles'] {
  const width = Math.max(1000, Math.ceil((t1 - t0) / 120 / 1000) * 1000);
  const bins = Math.floor((t1 - t0) / width) + 1;
  const nodes = nodeIndex(h);
  const byPair = new Map<string, number[][]>();
  for (const op of h.ops) {
    if (op.outcome !== 'ok' || op.complete === undefined) continue;
    const pair = `${op.region}->${servingRegion(h, nodes, op)}`;
    let row = byPair.get(pair);
    if (!row) {
      row = Array.from({ length: bins }, () => []);
      byPair.set(pair, row);
    }
    row[Math.floor((op.complete - t0) / width)]!.push(op.complete - op.invoke);
  }
  return [...byPair]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([pair, row]) => {
      const sorted = row.map((ls) => Float64Array.from(ls).sort());
      const q = (p: number) => sorted.map((ls) => (ls.length ? sig3(nearestRank(ls, p)) : null));
      return {
        pair,
        width: width / 1000,
        t: Array.from({ length: bins }, (_, i) => sec(t0 + i * width)),
        p50: q(50),
        p95: q(95),
        p99: q(99),
      };
    });
}

function timeline(
  h: History,
  faults: FaultRecord[],
  regionIndex: Map<string, number>,
  span: [number, number],
  opts: PlotOptions,
): Timeline {
  const limit = opts.timelineLimit ?? 2500;
  const first = faults.find((f) => f.effect);
  const start = first ? sec(first.effect!.t) - 2 : h.runStart !== undefined ? sec(h.runStart) : span[0];
  const [from, to] = opts.timeline ?? [Math.max(span[0], start), Math.min(span[1], Math.max(span[0], start) + 10)];
  const inWindow = h.ops.filter((op) => op.invoke / 1000 <= to && (op.complete === undefined ? span[1] : op.complete / 1000) >= from);
  inWindow.sort((a, b) => a.invoke - b.invoke);
  const shown = inWindow.slice(0, limit);
  // Lanes: an operation takes the first lane of its region free at its invoke.
  const lanes = new Map<string, number[]>();
  const ops: Timeline['ops'] = shown.map((op) => {
    const free = lanes.get(op.region) ?? [];
    lanes.set(op.region, free);
    const end = op.complete ?? Number.POSITIVE_INFINITY;
    let lane = free.findIndex((busyUntil) => busyUntil <= op.invoke);
    if (lane < 0) lane = free.push(end) - 1;
    else free[lane] = end;
    return [op.region, lane, sec(op.invoke), op.complete === undefined ? null : sec(op.complete), code(op.outcome), String(op.kind)];
  });
  ops.sort((a, b) => regionIndex.get(a[0])! - regionIndex.get(b[0])! || a[1] - b[1] || a[2] - b[2]);
  return { from, to, omitted: inWindow.length - shown.length, ops };
}

export const outcomeName = (o: OutcomeCode) => OUTCOMES[o];
