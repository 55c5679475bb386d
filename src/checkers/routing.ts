import type { History } from '../workload/history.js';
import { nodeIndex } from '../workload/queries.js';
import { firstOf, type Verdict } from './verdict.js';

/**
 * Routing: every operation was served by the cluster the registry names for its workspace (a
 * create, by the Main Cluster that holds the registry). In a stretched cluster: by a coordinator
 * in the client's own datacenter. Judged against the registry as it stood at the end of the run.
 */
export function checkRouting(h: History): Verdict {
  const nodes = nodeIndex(h);
  const stretched = h.meta.shape === 'stretched';
  const registry = h.registry?.workspaces;
  if (!stretched && !registry)
    return { checker: 'routing', status: 'unknown', summary: 'the registry could not be read after the run', evidence: {} };
  const main = Object.entries(h.meta.clusters).find(([, c]) => c.role === 'main')?.[0];
  let checked = 0;
  const misrouted: { id: number; kind: string; workspace: string; region: string; servedBy: string; expected: string }[] = [];
  for (const op of h.ops) {
    if (op.outcome !== 'ok' || !op.coordinator) continue;
    const served = nodes.get(op.coordinator);
    if (!served) continue;
    checked++;
    if (stretched) {
      if (served.region !== op.region)
        misrouted.push({
          id: op.id,
          kind: op.kind,
          workspace: op.workspace,
          region: op.region,
          servedBy: `${op.coordinator} in ${served.region}`,
          expected: `a node in ${op.region}`,
        });
      continue;
    }
    const expected = op.kind === 'create' ? main : registry![op.workspace];
    if (served.cluster !== expected)
      misrouted.push({
        id: op.id,
        kind: op.kind,
        workspace: op.workspace,
        region: op.region,
        servedBy: `${op.coordinator} of ${served.cluster}`,
        expected: expected ?? '(not in the registry)',
      });
  }
  const evidence = { checked, misrouted: misrouted.length, firstMisrouted: firstOf(misrouted) };
  if (misrouted.length) {
    const m = misrouted[0]!;
    return {
      checker: 'routing',
      status: 'fail',
      summary: `${misrouted.length} of ${checked} operations served by the wrong cluster (first: ${m.kind} on ${m.workspace} from ${m.region} served by ${m.servedBy}, registry names ${m.expected})`,
      evidence,
    };
  }
  if (!checked) return { checker: 'routing', status: 'unknown', summary: 'no successful operation to check', evidence };
  return {
    checker: 'routing',
    status: 'pass',
    summary: stretched
      ? `all ${checked} operations served in the client's own datacenter`
      : `all ${checked} operations served by their workspace's home cluster`,
    evidence,
  };
}

/** Residency: at the end, no cluster but a workspace's home holds any of its data. */
export function checkResidency(h: History): Verdict {
  if (h.meta.shape === 'stretched')
    return { checker: 'residency', status: 'pass', summary: 'one stretched cluster holds every workspace by design', evidence: {} };
  const registry = h.registry?.workspaces;
  if (!registry) return { checker: 'residency', status: 'unknown', summary: 'the registry could not be read after the run', evidence: {} };
  const foreign: { workspace: string; foundIn: string; home: string }[] = [];
  const unread = h.residency.filter((r) => r.error).map((r) => r.cluster);
  let workspaces = 0;
  for (const r of h.residency) {
    for (const w of r.workspaces ?? []) {
      workspaces++;
      if (registry[w] !== r.cluster) foreign.push({ workspace: w, foundIn: r.cluster, home: registry[w] ?? '(not in the registry)' });
    }
  }
  const evidence = { workspaces, foreign: foreign.length, firstForeign: firstOf(foreign), clustersNotRead: unread };
  if (foreign.length) {
    const f = foreign[0]!;
    return {
      checker: 'residency',
      status: 'fail',
      summary: `${foreign.length} workspace(s) have data outside their home cluster (first: ${f.workspace} found in ${f.foundIn}, home ${f.home})`,
      evidence,
    };
  }
  if (unread.length || !h.residency.length)
    return {
      checker: 'residency',
      status: 'unknown',
      summary: `could not read which workspaces ${unread.join(', ') || 'the clusters'} hold`,
      evidence,
    };
  return {
    checker: 'residency',
    status: 'pass',
    summary: `every workspace's data is only in its home cluster (${h.residency.length} clusters read)`,
    evidence,
  };
}
