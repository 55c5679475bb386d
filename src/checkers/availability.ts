import { z } from 'zod';
import type { FaultRecord } from '../faults/log.js';
import { duration } from '../topology/duration.js';
import type { History, Op } from '../workload/history.js';
import type { Verdict } from './verdict.js';

/**
 * Availability: the error rate per time window, and for each fault, how long after it took effect
 * the first operation it touched failed, and how long after it was undone the first of them
 * succeeded again. An operation is touched by a fault when the fault acted on a node of the cluster
 * that served it, or cut a link its request crossed (client region <-> cluster region, or between
 * the regions of a stretched cluster, which replication crosses).
 */
export const AvailabilityOptionsSchema = z.strictObject({
  window: duration(3_600_000).default(1000).describe('width of the error-rate windows'),
  maxErrorRate: z.number().min(0).max(1).optional().describe('highest share of failed or unknown operations over the run'),
  recoveryWithin: duration().optional().describe('each fault: success again within this long after it is undone'),
  untouched: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('highest share of failed or unknown operations among those no fault touched: the rest of the federation did not notice'),
  failWhileFaulted: z
    .array(z.enum(['create', 'write', 'read', 'read-all']))
    .optional()
    .describe('kinds of operation that must fail while a fault touching them is in effect (e.g. create while the Main Cluster is down)'),
});
export type AvailabilityOptions = z.output<typeof AvailabilityOptionsSchema>;

export interface FaultAvailability {
  id: string;
  kind: string;
  target: string;
  touched: number;
  /** ms from the fault taking effect to the first failure among the operations it touched. */
  firstFailureAfter?: number;
  /** ms from the fault being undone to the first success among the operations it touched. */
  recoveredAfter?: number;
  /** Per kind named in failWhileFaulted: touched operations begun while the fault was in effect, how many succeeded, and one error. */
  whileFaulted?: Record<string, { tried: number; succeeded: number; error?: string }>;
}

function touches(h: History, f: FaultRecord, op: Op): boolean {
  const cluster = h.meta.clusters[op.cluster];
  if (!cluster) return false;
  if (f.nodes.some((n) => n in cluster.nodes)) return true;
  const crossed = new Set(cluster.regions.map((r) => `${op.region}|${r}`));
  for (const a of cluster.regions) for (const b of cluster.regions) if (a !== b) crossed.add(`${a}|${b}`);
  return f.directions.some(([from, to]) => crossed.has(`${from}|${to}`) || crossed.has(`${to}|${from}`));
}

function errorWindows(h: History, width: number): { t: number; ok: number; errors: number }[] {
  const windows: { t: number; ok: number; errors: number }[] = [];
  for (const op of h.ops) {
    const i = Math.floor((op.complete ?? op.invoke) / width);
    while (windows.length <= i) windows.push({ t: windows.length * width, ok: 0, errors: 0 });
    if (op.outcome === 'ok') windows[i]!.ok++;
    else windows[i]!.errors++;
  }
  return windows;
}

export function checkAvailability(h: History, faults: FaultRecord[], options: Partial<AvailabilityOptions> = {}): Verdict {
  const opts = AvailabilityOptionsSchema.parse(options);
  const total = h.ops.length;
  const errors = h.ops.filter((o) => o.outcome !== 'ok').length;
  const rate = total ? errors / total : 0;
  const perFault: FaultAvailability[] = [];
  for (const f of faults) {
    if (!f.effect) continue;
    const touched = h.ops.filter((op) => touches(h, f, op));
    const row: FaultAvailability = { id: f.id, kind: f.kind, target: f.target, touched: touched.length };
    const effect = f.effect.t;
    const firstFail = touched
      .filter((o) => o.outcome !== 'ok' && (o.complete ?? o.invoke) >= effect)
      .reduce<number | undefined>((m, o) => Math.min(m ?? Infinity, o.complete ?? o.invoke), undefined);
    if (firstFail !== undefined) row.firstFailureAfter = firstFail - effect;
    if (f.undone) {
      const undone = f.undone.t;
      const firstOk = touched
        .filter((o) => o.outcome === 'ok' && o.invoke >= undone)
        .reduce<number | undefined>((m, o) => Math.min(m ?? Infinity, o.complete!), undefined);
      if (firstOk !== undefined) row.recoveredAfter = firstOk - undone;
    }
    if (opts.failWhileFaulted) {
      const during = touched.filter((o) => o.invoke >= effect && o.invoke < (f.undone?.t ?? Infinity));
      row.whileFaulted = Object.fromEntries(
        opts.failWhileFaulted.map((kind) => {
          const ops = during.filter((o) => o.kind === kind);
          return [
            kind,
            { tried: ops.length, succeeded: ops.filter((o) => o.outcome === 'ok').length, error: ops.find((o) => o.error)?.error },
          ];
        }),
      );
    }
    perFault.push(row);
  }
  const touchedByAny = faults.filter((f) => f.effect);
  const untouched = h.ops.filter((op) => !touchedByAny.some((f) => touches(h, f, op)));
  const untouchedErrors = untouched.filter((o) => o.outcome !== 'ok').length;
  const windows = errorWindows(h, opts.window);
  const evidence = {
    operations: total,
    errors,
    errorRate: rate,
    untouched: { operations: untouched.length, errors: untouchedErrors },
    faults: perFault,
    windows,
  };
  const problems: string[] = [];
  if (opts.maxErrorRate !== undefined && rate > opts.maxErrorRate)
    problems.push(`error rate ${(rate * 100).toFixed(1)}% > ${(opts.maxErrorRate * 100).toFixed(1)}%`);
  if (opts.recoveryWithin !== undefined) {
    for (const f of perFault) {
      if (f.recoveredAfter === undefined && f.touched) problems.push(`${f.kind} ${f.target}: no success after it was undone`);
      else if (f.recoveredAfter !== undefined && f.recoveredAfter > opts.recoveryWithin)
        problems.push(
          `${f.kind} ${f.target}: success again ${(f.recoveredAfter / 1000).toFixed(1)} s after undo > ${opts.recoveryWithin / 1000} s`,
        );
    }
  }
  if (opts.untouched !== undefined) {
    const share = untouched.length ? untouchedErrors / untouched.length : 0;
    if (share > opts.untouched)
      problems.push(
        `${untouchedErrors} of ${untouched.length} operations no fault touched failed (${(share * 100).toFixed(1)}% > ${(opts.untouched * 100).toFixed(1)}%)`,
      );
  }
  for (const f of perFault)
    for (const [kind, w] of Object.entries(f.whileFaulted ?? {})) {
      if (!w.tried) problems.push(`${f.kind} ${f.target}: no ${kind} was tried while it was in effect`);
      else if (w.succeeded)
        problems.push(`${f.kind} ${f.target}: ${w.succeeded} of ${w.tried} ${kind} operations succeeded while it was in effect`);
    }
  const faultsLine = perFault
    .map(
      (f) =>
        `${f.kind} ${f.target}: ${f.firstFailureAfter !== undefined ? `first failure +${(f.firstFailureAfter / 1000).toFixed(1)} s` : 'no failure'}${f.recoveredAfter !== undefined ? `, recovered +${(f.recoveredAfter / 1000).toFixed(1)} s after undo` : ''}`,
    )
    .join('; ');
  const whileLine = perFault
    .flatMap((f) =>
      Object.entries(f.whileFaulted ?? {}).map(
        ([kind, w]) =>
          `${kind} during ${f.kind} ${f.target}: ${w.tried - w.succeeded} of ${w.tried} failed${w.error ? ` ("${w.error}")` : ''}`,
      ),
    )
    .join('; ');
  const untouchedLine =
    opts.untouched !== undefined ? `; operations no fault touched: ${untouchedErrors} of ${untouched.length} failed` : '';
  const summary = `${errors} of ${total} operations failed or unknown (${(rate * 100).toFixed(1)}%)${untouchedLine}${faultsLine ? `; ${faultsLine}` : ''}${whileLine ? `; ${whileLine}` : ''}`;
  if (!total) return { checker: 'availability', status: 'unknown', summary: 'no operation in the history', evidence };
  if (problems.length) return { checker: 'availability', status: 'fail', summary: `${problems.join('; ')} (${summary})`, evidence };
  return { checker: 'availability', status: 'pass', summary, evidence };
}
