import type { FaultRecord } from '../faults/log.js';
import { type AvailabilityOptions, AvailabilityOptionsSchema } from '../scenarios/expect.js';
import type { History, Op } from '../workload/history.js';
import type { Consistency } from '../workload/spec.js';
import type { Checker, Verdict } from './verdict.js';

/**
 * Availability: the error rate of the measured run and per time window, and for each fault, how
 * long after it was asked for the first operation it touched failed, and how long after it was
 * undone the first of them succeeded again. An operation is touched by a fault when the fault
 * acted on a node of the cluster that served it, or cut a link its request crossed (client region
 * <-> cluster region, or between the regions of a stretched cluster, which replication crosses).
 */
export { type AvailabilityOptions, AvailabilityOptionsSchema } from '../scenarios/expect.js';

export interface FaultAvailability {
  id: string;
  kind: string;
  target: string;
  touched: number;
  /**
   * ms from the fault being asked for to the first failure among the operations it touched: from
   * asked to in effect it is possibly in effect (a kill's signal is on its way), so failures then
   * are its own too.
   */
  firstFailureAfter?: number;
  /** ms from the fault being undone to the first success among the operations it touched: the client succeeding again. */
  recoveredAfter?: number;
  /** ms from the fault being undone to every node it acted on answering CQL again, probed directly: the database back. */
  answeringAfter?: number;
  /**
   * Per operation named in failWhileFaulted: those touched and begun while the fault was (possibly) in effect,
   * how many succeeded and one error; then those begun after it was undone, the ms from undo to
   * the first of them that succeeded, and how many failed after that first success.
   */
  whileFaulted?: Record<
    string,
    { tried: number; succeeded: number; error?: string; triedAfter: number; recoveredAfter?: number; relapsed: number }
  >;
}

/** The level an operation ran at: its own when the workload mixes levels (always recorded then), else its kind's. */
function levelOf(h: History, op: Op): Consistency {
  if (op.consistency) return op.consistency;
  const c = h.meta.workload.consistency;
  const levels = op.kind === 'create' ? c.registry : op.kind === 'write' ? c.write : c.read;
  return typeof levels === 'string' ? levels : 'LOCAL_QUORUM';
}

/** Whether an operation is the one a failWhileFaulted entry names: `kind` or `kind@LEVEL`. */
function named(h: History, entry: string, op: Op): boolean {
  const [kind, level] = entry.split('@');
  return op.kind === kind && (level === undefined || levelOf(h, op) === level);
}

/** Whether a fault touches the operations of a cluster from a client region. */
function touchesPlace(h: History, f: FaultRecord): (cluster: string, region: string) => boolean {
  return (clusterName, region) => {
    const cluster = h.meta.clusters[clusterName];
    if (!cluster) return false;
    if (f.nodes.some((n) => n in cluster.nodes)) return true;
    const crossed = new Set(cluster.regions.map((r) => `${region}|${r}`));
    for (const a of cluster.regions) for (const b of cluster.regions) if (a !== b) crossed.add(`${a}|${b}`);
    return f.directions.some(([from, to]) => crossed.has(`${from}|${to}`) || crossed.has(`${to}|${from}`));
  };
}

/** Whether a fault touches an operation, which depends only on the op's cluster and client region. */
function touching(h: History, f: FaultRecord): (op: Op) => boolean {
  return byPlace(touchesPlace(h, f));
}

/** A question of an op's (cluster, client region), decided once per pair: histories run to millions of operations. */
function byPlace(decide: (cluster: string, region: string) => boolean): (op: Op) => boolean {
  const known = new Map<string, Map<string, boolean>>();
  return (op) => {
    let byRegion = known.get(op.cluster);
    if (!byRegion) {
      byRegion = new Map();
      known.set(op.cluster, byRegion);
    }
    let yes = byRegion.get(op.region);
    if (yes === undefined) {
      yes = decide(op.cluster, op.region);
      byRegion.set(op.region, yes);
    }
    return yes;
  };
}

/**
 * Per fault undone: ms from the undo to its nodes answering CQL again (probed directly, the
 * database's recovery) and to the first success of an operation it touched (the client's).
 */
export interface Recovery {
  id: string;
  kind: string;
  target: string;
  nodesAnsweringAfter?: number;
  clientSucceedingAfter?: number;
}

export function recoveries(h: History, faults: FaultRecord[]): Recovery[] {
  return faults.flatMap((f) => {
    if (!f.undone || !f.effect) return [];
    const touches = touching(h, f);
    const undone = f.undone.t;
    let first: number | undefined;
    for (const o of h.ops) if (o.outcome === 'ok' && o.invoke >= undone && touches(o)) first = Math.min(first ?? Infinity, o.complete!);
    return [
      {
        id: f.id,
        kind: f.kind,
        target: f.target,
        ...(f.answering && { nodesAnsweringAfter: f.answering.t - undone }),
        ...(first !== undefined && { clientSucceedingAfter: first - undone }),
      },
    ];
  });
}

/** At most this many error-rate windows in the evidence: a day-long run widens them instead. */
const MAX_WINDOWS = 1000;

/** `last`: the latest time of any operation (completion, else invoke), found by the caller's pass. */
function errorWindows(h: History, asked: number, last: number): { width: number; windows: { t: number; ok: number; errors: number }[] } {
  const width = Math.max(asked, Math.ceil(last / asked / MAX_WINDOWS) * asked);
  const n = Math.floor(last / width) + 1;
  const ok = new Uint32Array(n);
  const errors = new Uint32Array(n);
  for (const op of h.ops) {
    const i = Math.floor((op.complete ?? op.invoke) / width);
    if (op.outcome === 'ok') ok[i]!++;
    else errors[i]!++;
  }
  const windows = Array.from({ length: n }, (_, i) => ({ t: i * width, ok: ok[i]!, errors: errors[i]! }));
  return { width, windows };
}

/** Availability, its options bound at construction (parsed here, so a bad option throws at once). */
export const availability = (options: Partial<AvailabilityOptions> = {}): Checker => {
  const opts = AvailabilityOptionsSchema.parse(options);
  return ({ history, faults }) => judge(history, faults, opts);
};

/** Beside a slow recovery: when the nodes themselves answered again, so the client's share shows. */
function nodesBack(f: FaultAvailability): string {
  return f.answeringAfter !== undefined ? ` (its nodes answered CQL ${(f.answeringAfter / 1000).toFixed(1)} s after undo)` : '';
}

function judge(h: History, faults: FaultRecord[], opts: AvailabilityOptions): Verdict {
  /** Failures failWhileFaulted expects (from a fault's effect until recovered): left out of the error rate. */
  const expectedFailures = new Set<Op>();
  const perFault: FaultAvailability[] = [];
  // Attributed from the moment each fault was asked for: the engine call that applies it takes time
  // (a kill, half a second), and what fails meanwhile fails because of it.
  const effective = faults.flatMap((f) => (f.effect ? [{ f, asked: f.asked.t, effect: f.effect.t, touches: touching(h, f) }] : []));
  for (const { f, asked, effect, touches } of effective) {
    // One pass per fault; the operations it touched are kept only when failWhileFaulted asks of them.
    const touched: Op[] | undefined = opts.failWhileFaulted ? [] : undefined;
    const undone = f.undone?.t ?? Infinity;
    let count = 0;
    let firstFail = Infinity;
    let firstOk = Infinity;
    for (const o of h.ops) {
      if (!touches(o)) continue;
      count++;
      touched?.push(o);
      if (o.outcome !== 'ok') {
        const at = o.complete ?? o.invoke;
        if (at >= asked && at < firstFail) firstFail = at;
      } else if (o.invoke >= undone && o.complete! < firstOk) firstOk = o.complete!;
    }
    const row: FaultAvailability = { id: f.id, kind: f.kind, target: f.target, touched: count };
    if (firstFail !== Infinity) row.firstFailureAfter = firstFail - asked;
    if (f.undone) {
      if (firstOk !== Infinity) row.recoveredAfter = firstOk - undone;
      if (f.answering) row.answeringAfter = f.answering.t - undone;
    }
    if (touched && opts.failWhileFaulted) {
      row.whileFaulted = Object.fromEntries(
        opts.failWhileFaulted.map((entry) => {
          const mine = touched.filter((o) => named(h, entry, o));
          const ops = mine.filter((o) => o.invoke >= effect && o.invoke < undone);
          const after = mine.filter((o) => o.invoke >= undone);
          const firstOk = after
            .filter((o) => o.outcome === 'ok')
            .reduce<number | undefined>((m, o) => Math.min(m ?? Infinity, o.complete!), undefined);
          // Expected to fail from the effect until recovered: within recoveryWithin of the undo (a
          // restarted node boots, and its peers may see it flap), else until the first success.
          const back = opts.recoveryWithin !== undefined ? undone + opts.recoveryWithin : (firstOk ?? Infinity);
          // Those in flight when it was asked for count too: the fault caught them.
          for (const o of mine) if (o.outcome !== 'ok' && (o.complete ?? Infinity) >= asked && o.invoke < back) expectedFailures.add(o);
          const relapsed = firstOk === undefined ? [] : after.filter((o) => o.outcome !== 'ok' && o.invoke >= firstOk);
          return [
            entry,
            {
              tried: ops.length,
              succeeded: ops.filter((o) => o.outcome === 'ok').length,
              error: ops.find((o) => o.error)?.error,
              triedAfter: after.length,
              ...(firstOk !== undefined && { recoveredAfter: firstOk - undone }),
              relapsed: relapsed.length,
            },
          ];
        }),
      );
    }
    perFault.push(row);
  }
  // The rates are of the measured run: setup and warm-up (before the run mark) are left out, as
  // latency leaves them out; the steady-state hypothesis is what judges the warm-up.
  const from = h.runStart ?? Number.NEGATIVE_INFINITY;
  let total = 0;
  let errors = 0;
  const untouched = { operations: 0, errors: 0 };
  const places = effective.map(({ f }) => touchesPlace(h, f));
  const touchedByAny = byPlace((cluster, region) => places.some((touches) => touches(cluster, region)));
  let last = 0;
  for (const o of h.ops) {
    last = Math.max(last, o.complete ?? o.invoke);
    if (o.invoke < from || (expectedFailures.size && expectedFailures.has(o))) continue;
    const failed = o.outcome !== 'ok';
    total++;
    if (failed) errors++;
    if (!touchedByAny(o)) {
      untouched.operations++;
      if (failed) untouched.errors++;
    }
  }
  const rate = total ? errors / total : 0;
  const { width: windowWidth, windows } = errorWindows(h, opts.window, last);
  const evidence = {
    operations: total,
    errors,
    errorRate: rate,
    expectedFailures: expectedFailures.size,
    untouched,
    faults: perFault,
    windowWidth,
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
          `${f.kind} ${f.target}: success again ${(f.recoveredAfter / 1000).toFixed(1)} s after undo > ${opts.recoveryWithin / 1000} s${nodesBack(f)}`,
        );
    }
  }
  if (opts.untouched !== undefined) {
    const share = untouched.operations ? untouched.errors / untouched.operations : 0;
    if (share > opts.untouched)
      problems.push(
        `${untouched.errors} of ${untouched.operations} operations no fault touched failed (${(share * 100).toFixed(1)}% > ${(opts.untouched * 100).toFixed(1)}%)`,
      );
  }
  for (const f of perFault)
    for (const [entry, w] of Object.entries(f.whileFaulted ?? {})) {
      if (!w.tried) problems.push(`${f.kind} ${f.target}: no ${entry} was tried while it was in effect`);
      else if (w.succeeded)
        problems.push(`${f.kind} ${f.target}: ${w.succeeded} of ${w.tried} ${entry} operations succeeded while it was in effect`);
      if (w.triedAfter && w.recoveredAfter === undefined)
        problems.push(`${f.kind} ${f.target}: none of ${w.triedAfter} ${entry} operations succeeded after it was undone`);
      else if (opts.recoveryWithin !== undefined && w.recoveredAfter !== undefined && w.recoveredAfter > opts.recoveryWithin)
        problems.push(
          `${f.kind} ${f.target}: ${entry} succeeded again ${(w.recoveredAfter / 1000).toFixed(1)} s after undo > ${opts.recoveryWithin / 1000} s${nodesBack(f)}`,
        );
    }
  const faultsLine = perFault
    .map(
      (f) =>
        `${f.kind} ${f.target}: ${f.firstFailureAfter !== undefined ? `first failure +${(f.firstFailureAfter / 1000).toFixed(1)} s` : 'no failure'}${f.answeringAfter !== undefined ? `, nodes answering +${(f.answeringAfter / 1000).toFixed(1)} s` : ''}${f.recoveredAfter !== undefined ? `, ${f.answeringAfter !== undefined ? 'clients succeeding' : 'recovered'} +${(f.recoveredAfter / 1000).toFixed(1)} s after undo` : ''}`,
    )
    .join('; ');
  const whileLine = perFault
    .flatMap((f) =>
      Object.entries(f.whileFaulted ?? {}).map(
        ([entry, w]) =>
          `${entry} during ${f.kind} ${f.target}: ${w.tried - w.succeeded} of ${w.tried} failed${w.error ? ` ("${w.error}")` : ''}, ${w.recoveredAfter !== undefined ? `succeeded again +${(w.recoveredAfter / 1000).toFixed(1)} s after undo${w.relapsed ? ` (then ${w.relapsed} more failed)` : ''}` : w.triedAfter ? 'never succeeded after undo' : 'none tried after undo'}`,
      ),
    )
    .join('; ');
  const untouchedLine =
    opts.untouched !== undefined ? `; operations no fault touched: ${untouched.errors} of ${untouched.operations} failed` : '';
  const expectedLine = expectedFailures.size ? ` besides ${expectedFailures.size} failures failWhileFaulted expects` : '';
  const summary = `${errors} of ${total} operations failed or unknown (${(rate * 100).toFixed(1)}%)${expectedLine}${untouchedLine}${faultsLine ? `; ${faultsLine}` : ''}${whileLine ? `; ${whileLine}` : ''}`;
  if (!total) return { checker: 'availability', status: 'unknown', summary: 'no operation in the measured run', evidence };
  if (problems.length) return { checker: 'availability', status: 'fail', summary: `${problems.join('; ')} (${summary})`, evidence };
  return { checker: 'availability', status: 'pass', summary, evidence };
}
