import type { FinalReadLine, History, Op } from '../workload/history.js';
import { type Checker, firstOf } from './verdict.js';

/**
 * Durability, Jepsen's set-full checker with each workspace as its own set: after heal, a final read
 * of every workspace at a strong consistency level; every acknowledged write must be in its own
 * workspace's read. Per (workspace, element):
 * - ok: acknowledged and present;   lost: acknowledged and absent (the anomaly);
 * - recovered: outcome unknown (info) and present;   unknown: outcome unknown and absent;
 * - unexpected: present but never written to that workspace (an element that moved there from
 *   another workspace is lost in one and unexpected in the other), or whose write definitely failed;
 * - duplicated: returned more than once by one read.
 * A workspace with acknowledged writes whose final read failed or was never made leaves them
 * unread: the verdict is then unknown (unless an anomaly was seen), never a pass.
 */
const RANK = { fail: 1, info: 2, ok: 3 } as const;
/** RANK[outcome] by compares: no keyed property load per write of a million. */
const rank = (outcome: Op['outcome']): number => (outcome === 'ok' ? RANK.ok : outcome === 'info' ? RANK.info : RANK.fail);

interface Lost {
  element: number;
  workspace: string;
  cluster: string;
  region: string;
  acknowledgedAt: number;
  coordinator?: string;
}
interface Unexpected {
  element: number;
  workspace: string;
  why: string;
}

/**
 * Per workspace, its last successful final read, else its last failed one. A user's program may
 * read a key it never added to (where a set's data must not be, or another view of it: the
 * VictoriaMetrics samples' residency and global reads); such a key is no set of its own, and the
 * checker that asked for it (samples) judges it, so it is left out here.
 */
function finalReads(h: History): Map<string, FinalReadLine> {
  const written = new Set<string>();
  const userReads = new Set<string>();
  for (const op of h.ops) {
    if (op.kind === 'write') written.add(op.workspace);
    else if (op.workload !== undefined && op.kind === 'read-all') userReads.add(op.workspace);
  }
  const out = new Map<string, FinalReadLine>();
  for (const r of h.finalReads) {
    if (userReads.has(r.workspace) && !written.has(r.workspace)) continue;
    if (r.elements || !out.get(r.workspace)?.elements) out.set(r.workspace, r);
  }
  return out;
}

/**
 * A workspace's final read as a sorted array, with the most certain outcome of a write of each
 * element (0: none): a million writes look up typed arrays, not a million-entry map.
 */
interface ReadBack {
  elements: Float64Array;
  best: Uint8Array;
  /** Written elements the read did not return: element -> its most certain write. */
  absent: Map<number, Op>;
  duplicated: { element: number; times: number }[];
}

function readBack(elements: number[]): ReadBack {
  const sorted = Float64Array.from(elements).sort();
  const duplicated: ReadBack['duplicated'] = [];
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (k && sorted[k - 1] === sorted[i]) {
      const last = duplicated.at(-1);
      if (last && last.element === sorted[i]) last.times++;
      else duplicated.push({ element: sorted[i]!, times: 2 });
      continue;
    }
    sorted[k++] = sorted[i]!;
  }
  return { elements: sorted.subarray(0, k), best: new Uint8Array(k), absent: new Map(), duplicated };
}

function indexOf(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Keeps the write with the most certain outcome of an element (ok, then info, then fail). */
function keep(m: Map<number, Op>, element: number, op: Op): void {
  const had = m.get(element);
  if (!had || rank(op.outcome) > rank(had.outcome)) m.set(element, op);
}

export const durability =
  (): Checker =>
  ({ history: h }) => {
    const reads = new Map<string, ReadBack>();
    const failedReads = new Map<string, FinalReadLine>();
    for (const [workspace, r] of finalReads(h)) {
      if (r.elements) reads.set(workspace, readBack(r.elements));
      else failedReads.set(workspace, r);
    }
    /** Workspaces with writes but no successful final read: element -> its most certain write. */
    const unreadWrites = new Map<string, Map<number, Op>>();
    for (const op of h.ops) {
      if (op.kind !== 'write' || op.element === undefined) continue;
      const r = reads.get(op.workspace);
      if (!r) {
        let m = unreadWrites.get(op.workspace);
        if (!m) {
          m = new Map();
          unreadWrites.set(op.workspace, m);
        }
        keep(m, op.element, op);
        continue;
      }
      const i = indexOf(r.elements, op.element);
      if (i === -1) keep(r.absent, op.element, op);
      else {
        const k = rank(op.outcome);
        if (k > r.best[i]!) r.best[i] = k;
      }
    }
    let attempted = 0;
    let ok = 0;
    let recovered = 0;
    let unknownOutcome = 0;
    let unread = 0;
    const lost: Lost[] = [];
    const unexpected: Unexpected[] = [];
    const duplicated: { element: number; workspace: string; times: number }[] = [];
    const unreadWorkspaces: { workspace: string; acknowledged: number; why: string }[] = [];
    /** Where else an element was written: worth naming, but it costs a scan, so only for the first few. */
    const writtenTo = (element: number, not: string) => {
      if (unexpected.length >= 10) return [];
      const out: string[] = [];
      for (const [w, r] of reads) if (w !== not && (r.absent.has(element) || r.best[indexOf(r.elements, element)])) out.push(w);
      for (const [w, m] of unreadWrites) if (m.has(element)) out.push(w);
      return out;
    };
    for (const [workspace, r] of reads) {
      for (const d of r.duplicated) duplicated.push({ element: d.element, workspace, times: d.times });
      for (let i = 0; i < r.elements.length; i++) {
        const best = r.best[i]!;
        const element = r.elements[i]!;
        if (best) attempted++;
        if (best === RANK.ok) ok++;
        else if (best === RANK.info) recovered++;
        else if (best === RANK.fail) unexpected.push({ element, workspace, why: 'its write failed, yet it is there' });
        else {
          const elsewhere = writtenTo(element, workspace);
          unexpected.push({
            element,
            workspace,
            why: elsewhere.length ? `never written to ${workspace}; written to ${elsewhere.join(', ')}` : 'never written',
          });
        }
      }
      attempted += r.absent.size;
      for (const [element, op] of r.absent) {
        if (op.outcome === 'ok')
          lost.push({
            element,
            workspace,
            cluster: op.cluster,
            region: op.region,
            acknowledgedAt: op.complete!,
            coordinator: op.coordinator,
          });
        else if (op.outcome === 'info') unknownOutcome++;
      }
    }
    // The first lost are the first acknowledged: where a loss began is what a person looks for.
    lost.sort((a, b) => a.acknowledgedAt - b.acknowledgedAt);
    let acked = ok + lost.length;
    for (const [workspace, m] of unreadWrites) {
      attempted += m.size;
      let n = 0;
      for (const op of m.values()) if (op.outcome === 'ok') n++;
      if (!n) continue;
      unread += n;
      acked += n;
      const failed = failedReads.get(workspace);
      unreadWorkspaces.push({
        workspace,
        acknowledged: n,
        why: failed ? `its final read failed (${failed.error ?? 'no elements'})` : 'no final read was made',
      });
    }
    const counts = {
      attempted,
      acknowledged: acked,
      ok,
      lost: lost.length,
      recovered,
      unknown: unknownOutcome,
      unexpected: unexpected.length,
      duplicated: duplicated.length,
      unread,
    };
    const evidence = {
      ...counts,
      firstLost: firstOf(lost),
      firstUnexpected: firstOf(unexpected),
      firstDuplicated: firstOf(duplicated),
      unreadWorkspaces: firstOf(unreadWorkspaces),
    };
    const checker = 'durability';
    if (lost.length || unexpected.length || duplicated.length) {
      const l = lost[0];
      const u = unexpected[0];
      const d = duplicated[0];
      const what = [
        l && `${lost.length} of ${acked} acknowledged writes lost (first: element ${l.element} in ${l.workspace} on ${l.cluster})`,
        u && `${unexpected.length} unexpected element(s) (first: ${u.element} in ${u.workspace}, ${u.why})`,
        d && `${duplicated.length} duplicated element(s) (first: ${d.element} in ${d.workspace}, read ${d.times} times)`,
        unread && `${unread} acknowledged writes not read back`,
      ].filter(Boolean);
      return { checker, status: 'fail', summary: what.join('; '), evidence };
    }
    if (acked === 0) return { checker, status: 'unknown', summary: 'no write was acknowledged, so there is nothing to check', evidence };
    if (unread) {
      const w = unreadWorkspaces[0]!;
      return {
        checker,
        status: 'unknown',
        summary: `${unread} of ${acked} acknowledged writes could not be read back, in ${unreadWorkspaces.length} workspace(s) (first: ${w.workspace}, ${w.why}); the ${ok} read back are all there`,
        evidence,
      };
    }
    return {
      checker,
      status: 'pass',
      summary: `all ${ok} acknowledged writes read back after heal${recovered ? `; ${recovered} of unknown outcome were applied` : ''}`,
      evidence,
    };
  };
