import type { Op } from '../workload/history.js';
import { type Checker, firstOf } from './verdict.js';

/**
 * The registry as a set (Jepsen's set checker over creates): after heal, the registry read on the
 * Main Cluster must name every workspace whose create was acknowledged. Lost: an acknowledged create
 * missing; recovered: a create of unknown outcome that is there; unexpected: a workspace the
 * registry names whose every create failed, or that no create asked for (unless the scenario's own
 * workloads ran: the user's system may create workspaces of its own). A registry that could not be
 * read leaves it unknown.
 */
export const registry =
  (): Checker =>
  ({ history: h }) => {
    const checker = 'registry';
    if (!Object.values(h.meta.clusters).some((c) => c.role === 'main'))
      return { checker, status: 'pass', summary: 'no Main Cluster, so no registry to keep, by design', evidence: {} };
    const creates = new Map<string, Op>();
    const rank = { fail: 1, info: 2, ok: 3 } as const;
    // fedsim's own creates; a user's workload may create workspaces through the user's own system.
    let others = false;
    for (const op of h.ops) {
      if (op.workload !== undefined) others = true;
      if (op.kind !== 'create' || op.workload !== undefined) continue;
      const had = creates.get(op.workspace);
      if (!had || rank[op.outcome] > rank[had.outcome]) creates.set(op.workspace, op);
    }
    const acked = [...creates.values()].filter((o) => o.outcome === 'ok').length;
    if (!h.registry)
      return { checker, status: 'unknown', summary: 'the registry was not read after the run', evidence: { acknowledged: acked } };
    if (h.registry.error)
      return {
        checker,
        status: 'unknown',
        summary: `the registry could not be read after the run (${h.registry.error})`,
        evidence: { acknowledged: acked, error: h.registry.error },
      };
    const named = h.registry.workspaces;
    const lost: { workspace: string; region: string; acknowledgedAt: number }[] = [];
    const unexpected: { workspace: string; why: string }[] = [];
    let ok = 0;
    let recovered = 0;
    for (const [workspace, op] of creates) {
      const there = workspace in named;
      if (op.outcome === 'ok') {
        if (there) ok++;
        else lost.push({ workspace, region: op.region, acknowledgedAt: op.complete! });
      } else if (op.outcome === 'info') {
        if (there) recovered++;
      } else if (there) unexpected.push({ workspace, why: 'its create failed, yet it is there' });
    }
    let byOthers = 0;
    for (const workspace of Object.keys(named)) {
      if (creates.has(workspace)) continue;
      if (others) byOthers++;
      else unexpected.push({ workspace, why: 'never created' });
    }
    const evidence = {
      acknowledged: acked,
      ok,
      lost: lost.length,
      recovered,
      unexpected: unexpected.length,
      byOthers,
      firstLost: firstOf(lost),
      firstUnexpected: firstOf(unexpected),
    };
    if (lost.length || unexpected.length) {
      const what = [
        lost.length && `${lost.length} of ${acked} acknowledged creates missing from the registry (first: ${lost[0]!.workspace})`,
        unexpected.length && `${unexpected.length} unexpected workspace(s) (first: ${unexpected[0]!.workspace}, ${unexpected[0]!.why})`,
      ].filter(Boolean);
      return { checker, status: 'fail', summary: what.join('; '), evidence };
    }
    if (!acked) return { checker, status: 'unknown', summary: 'no create was acknowledged, so there is nothing to check', evidence };
    return {
      checker,
      status: 'pass',
      summary: `all ${ok} acknowledged creates are in the registry${recovered ? `; ${recovered} of unknown outcome were applied` : ''}${byOthers ? `; ${byOthers} more created by the scenario's own workloads, not judged` : ''}`,
      evidence,
    };
  };
