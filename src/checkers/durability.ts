import type { History } from '../workload/history.js';
import { firstOf, type Verdict } from './verdict.js';

/**
 * Durability, Jepsen's set checker: after heal, a final read of every workspace at a strong
 * consistency level; every acknowledged write must be in it.
 * - ok: acknowledged and present;   lost: acknowledged and absent (the anomaly);
 * - recovered: outcome unknown (info) and present;
 * - unexpected: present but never written, or written by an operation that definitely failed.
 * Workspaces whose final read failed are unchecked, never counted as lost.
 */
export function checkDurability(h: History): Verdict {
  const finals = new Map<string, Set<number>>();
  for (const r of h.finalReads) if (r.elements) finals.set(r.workspace, new Set(r.elements));
  const attempted = new Set<number>();
  let acked = 0;
  let ok = 0;
  let recovered = 0;
  let unknown = 0;
  let unchecked = 0;
  const lost: { element: number; workspace: string; cluster: string; region: string; acknowledgedAt: number; coordinator?: string }[] = [];
  const unexpected: { element: number; workspace: string; why: string }[] = [];
  for (const op of h.ops) {
    if (op.kind !== 'write' || op.element === undefined) continue;
    attempted.add(op.element);
    if (op.outcome === 'ok') acked++;
    const final = finals.get(op.workspace);
    if (!final) {
      if (op.outcome === 'ok') unchecked++;
      continue;
    }
    const present = final.has(op.element);
    if (op.outcome === 'ok') {
      if (present) ok++;
      else
        lost.push({
          element: op.element,
          workspace: op.workspace,
          cluster: op.cluster,
          region: op.region,
          acknowledgedAt: op.complete!,
          coordinator: op.coordinator,
        });
    } else if (op.outcome === 'info') {
      if (present) recovered++;
      else unknown++;
    } else if (present) unexpected.push({ element: op.element, workspace: op.workspace, why: 'its write failed, yet it is there' });
  }
  for (const [workspace, elements] of finals) {
    for (const e of elements) if (!attempted.has(e)) unexpected.push({ element: e, workspace, why: 'never written' });
  }
  const uncheckedWorkspaces = h.finalReads.filter((r) => r.error).map((r) => ({ workspace: r.workspace, error: r.error }));
  const counts = {
    attempted: attempted.size,
    acknowledged: acked,
    ok,
    lost: lost.length,
    recovered,
    unknown,
    unexpected: unexpected.length,
    unchecked,
  };
  const evidence = {
    ...counts,
    firstLost: firstOf(lost),
    firstUnexpected: firstOf(unexpected),
    uncheckedWorkspaces: firstOf(uncheckedWorkspaces),
  };
  if (lost.length || unexpected.length) {
    const what = [
      lost.length &&
        `${lost.length} of ${acked} acknowledged writes lost (first: element ${lost[0]!.element} in ${lost[0]!.workspace} on ${lost[0]!.cluster})`,
      unexpected.length &&
        `${unexpected.length} unexpected element(s) (first: ${unexpected[0]!.element} in ${unexpected[0]!.workspace}, ${unexpected[0]!.why})`,
    ].filter(Boolean);
    return { checker: 'durability', status: 'fail', summary: what.join('; '), evidence };
  }
  if (acked === 0 || unchecked === acked)
    return {
      checker: 'durability',
      status: 'unknown',
      summary:
        acked === 0
          ? 'no write was acknowledged, so there is nothing to check'
          : `the final read failed for every workspace (${unchecked} acknowledged writes unchecked)`,
      evidence,
    };
  return {
    checker: 'durability',
    status: 'pass',
    summary: `all ${ok} acknowledged writes read back after heal${recovered ? `; ${recovered} of unknown outcome were applied` : ''}${unchecked ? `; ${unchecked} unchecked (final read failed)` : ''}`,
    evidence,
  };
}
