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

/** Per workspace, its last successful final read, else its last failed one. */
function finalReads(h: History): Map<string, FinalReadLine> {
  const out = new Map<string, FinalReadLine>();
  for (const r of h.finalReads) if (r.elements || !out.get(r.workspace)?.elements) out.set(r.workspace, r);
  return out;
}

export const durability =
  (): Checker =>
  ({ history: h }) => {
    // Workspace -> element -> the write with the most certain outcome (ok, then info, then fail).
    const writes = new Map<string, Map<number, Op>>();
    let acked = 0;
    for (const op of h.ops) {
      if (op.kind !== 'write' || op.element === undefined) continue;
      let mine = writes.get(op.workspace);
      if (!mine) {
        mine = new Map();
        writes.set(op.workspace, mine);
      }
      const had = mine.get(op.element);
      if (op.outcome === 'ok' && had?.outcome !== 'ok') acked++;
      if (!had || RANK[op.outcome] > RANK[had.outcome]) mine.set(op.element, op);
    }
    const reads = finalReads(h);
    let attempted = 0;
    let ok = 0;
    let recovered = 0;
    let unknownOutcome = 0;
    let unread = 0;
    const lost: Lost[] = [];
    const unexpected: Unexpected[] = [];
    const duplicated: { element: number; workspace: string; times: number }[] = [];
    const unreadWorkspaces: { workspace: string; acknowledged: number; why: string }[] = [];
    const writtenTo = (element: number) => [...writes].filter(([, m]) => m.has(element)).map(([w]) => w);
    const stray = (workspace: string, element: number) => {
      // Where else it was written is worth naming, but costs a scan: only for the first few.
      const elsewhere = unexpected.length < 10 ? writtenTo(element) : [];
      unexpected.push({
        element,
        workspace,
        why: elsewhere.length ? `never written to ${workspace}; written to ${elsewhere.join(', ')}` : 'never written',
      });
    };
    for (const [workspace, mine] of writes) {
      attempted += mine.size;
      const read = reads.get(workspace);
      if (!read?.elements) {
        let n = 0;
        for (const op of mine.values()) if (op.outcome === 'ok') n++;
        if (n) {
          unread += n;
          unreadWorkspaces.push({
            workspace,
            acknowledged: n,
            why: read ? `its final read failed (${read.error ?? 'no elements'})` : 'no final read was made',
          });
        }
        continue;
      }
      const present = new Set(read.elements);
      for (const [element, op] of mine) {
        const there = present.has(element);
        if (op.outcome === 'ok') {
          if (there) ok++;
          else
            lost.push({
              element,
              workspace,
              cluster: op.cluster,
              region: op.region,
              acknowledgedAt: op.complete!,
              coordinator: op.coordinator,
            });
        } else if (op.outcome === 'info') {
          if (there) recovered++;
          else unknownOutcome++;
        } else if (there) unexpected.push({ element, workspace, why: 'its write failed, yet it is there' });
      }
      for (const element of present) if (!mine.has(element)) stray(workspace, element);
    }
    for (const [workspace, read] of reads) {
      if (!read.elements) continue;
      if (!writes.has(workspace)) for (const element of new Set(read.elements)) stray(workspace, element);
      if (read.elements.length !== new Set(read.elements).size) {
        const times = new Map<number, number>();
        for (const e of read.elements) times.set(e, (times.get(e) ?? 0) + 1);
        for (const [element, n] of times) if (n > 1) duplicated.push({ element, workspace, times: n });
      }
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
