import type { History } from '../workload/history.js';
import { nodeIndex } from '../workload/queries.js';
import { type Checker, firstOf } from './verdict.js';

/** Why the registry cannot be used, or undefined when it can. */
function registryMissing(h: History): string | undefined {
  if (!h.registry) return 'the registry was not read after the run';
  if (h.registry.error) return `the registry could not be read after the run (${h.registry.error})`;
  return undefined;
}

/**
 * Routing: every operation was served by the cluster the registry names for its workspace (a
 * create, by the Main Cluster that holds the registry). In a stretched cluster: by a coordinator
 * in the client's own datacenter. Judged against the registry as it stood at the end of the run.
 * A successful operation that cannot be judged (no coordinator reported, a coordinator that is no
 * node of the federation, a workspace the registry lacks: the registry checker names that) is
 * counted, and makes the verdict unknown unless one was misrouted.
 */
export const routing =
  (): Checker =>
  ({ history: h }) => {
    const checker = 'routing';
    const nodes = nodeIndex(h);
    const stretched = h.meta.shape === 'stretched';
    const missing = stretched ? undefined : registryMissing(h);
    if (missing) return { checker, status: 'unknown', summary: missing, evidence: {} };
    const registry = h.registry?.workspaces ?? {};
    const main = Object.entries(h.meta.clusters).find(([, c]) => c.role === 'main')?.[0];
    let checked = 0;
    const unjudged = { noCoordinator: 0, unknownCoordinator: 0, notInRegistry: 0 };
    const misrouted: { id: number; kind: string; workspace: string; region: string; servedBy: string; expected: string }[] = [];
    for (const op of h.ops) {
      // fedsim's own workload only: a user's workload names what served it, with no coordinator;
      // a stretched cluster's create is no request at all (one cluster holds every workspace).
      if (op.outcome !== 'ok' || op.workload !== undefined || (stretched && op.kind === 'create')) continue;
      if (!op.coordinator) {
        unjudged.noCoordinator++;
        continue;
      }
      const served = nodes.get(op.coordinator);
      if (!served) {
        unjudged.unknownCoordinator++;
        continue;
      }
      if (stretched) {
        checked++;
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
      const expected = op.kind === 'create' ? main : registry[op.workspace];
      if (!expected) {
        unjudged.notInRegistry++;
        continue;
      }
      checked++;
      if (served.cluster !== expected)
        misrouted.push({
          id: op.id,
          kind: op.kind,
          workspace: op.workspace,
          region: op.region,
          servedBy: `${op.coordinator} of ${served.cluster}`,
          expected,
        });
    }
    const skipped = unjudged.noCoordinator + unjudged.unknownCoordinator + unjudged.notInRegistry;
    const evidence = { checked, misrouted: misrouted.length, unjudged, firstMisrouted: firstOf(misrouted) };
    if (misrouted.length) {
      const m = misrouted[0]!;
      return {
        checker,
        status: 'fail',
        summary: `${misrouted.length} of ${checked} operations served by the wrong cluster (first: ${m.kind} on ${m.workspace} from ${m.region} served by ${m.servedBy}, registry names ${m.expected})`,
        evidence,
      };
    }
    if (skipped) {
      const why = [
        unjudged.noCoordinator && `${unjudged.noCoordinator} with no coordinator reported`,
        unjudged.unknownCoordinator && `${unjudged.unknownCoordinator} whose coordinator is no node of the federation`,
        unjudged.notInRegistry && `${unjudged.notInRegistry} whose workspace the registry does not name`,
      ].filter(Boolean);
      return {
        checker,
        status: 'unknown',
        summary: `${skipped} of ${skipped + checked} successful operations could not be judged (${why.join(', ')}); the other ${checked} were served by the right cluster`,
        evidence,
      };
    }
    if (!checked) return { checker, status: 'unknown', summary: 'no successful operation to check', evidence };
    return {
      checker,
      status: 'pass',
      summary: stretched
        ? `all ${checked} operations served in the client's own datacenter`
        : `all ${checked} operations served by their workspace's home cluster`,
      evidence,
    };
  };

/**
 * Residency: at the end, no cluster but a workspace's home holds any of its data. Every cluster the
 * registry names as a home, or that a write was sent to, must have been read; a workspace found
 * that the registry does not name is counted (the registry checker judges that) and leaves it unknown.
 */
export const residency =
  (): Checker =>
  ({ history: h }) => {
    const checker = 'residency';
    if (h.meta.shape === 'stretched')
      return { checker, status: 'pass', summary: 'one stretched cluster holds every workspace by design', evidence: {} };
    const missing = registryMissing(h);
    if (missing) return { checker, status: 'unknown', summary: missing, evidence: {} };
    const registry = h.registry!.workspaces;
    const foreign: { workspace: string; foundIn: string; home: string }[] = [];
    const unnamed: { workspace: string; foundIn: string }[] = [];
    const unread = h.residency.filter((r) => r.error).map((r) => `${r.cluster} (${r.error})`);
    const read = new Set(h.residency.map((r) => r.cluster));
    const holders = new Set(Object.values(registry));
    for (const op of h.ops) if (op.kind === 'write') holders.add(op.cluster);
    const neverRead = [...holders].filter((c) => !read.has(c));
    let workspaces = 0;
    for (const r of h.residency) {
      for (const w of r.workspaces ?? []) {
        workspaces++;
        const home = registry[w];
        if (home === undefined) unnamed.push({ workspace: w, foundIn: r.cluster });
        else if (home !== r.cluster) foreign.push({ workspace: w, foundIn: r.cluster, home });
      }
    }
    const evidence = {
      workspaces,
      foreign: foreign.length,
      firstForeign: firstOf(foreign),
      notInRegistry: firstOf(unnamed),
      clustersNotRead: unread,
      clustersNeverRead: neverRead,
    };
    if (foreign.length) {
      const f = foreign[0]!;
      return {
        checker,
        status: 'fail',
        summary: `${foreign.length} workspace(s) have data outside their home cluster (first: ${f.workspace} found in ${f.foundIn}, home ${f.home})`,
        evidence,
      };
    }
    const gaps = [
      unread.length && `the read of ${unread.join(', ')} failed`,
      neverRead.length && `${neverRead.join(', ')} ${neverRead.length === 1 ? 'was' : 'were'} never read`,
      unnamed.length &&
        `${unnamed.length} workspace(s) found that the registry does not name (first: ${unnamed[0]!.workspace} in ${unnamed[0]!.foundIn})`,
    ].filter(Boolean);
    if (gaps.length || !h.residency.length)
      return {
        checker,
        status: 'unknown',
        summary: gaps.length ? `could not judge every cluster: ${gaps.join('; ')}` : 'no cluster was read for the workspaces it holds',
        evidence,
      };
    return {
      checker,
      status: 'pass',
      summary: `every workspace's data is only in its home cluster (${h.residency.length} clusters read)`,
      evidence,
    };
  };
