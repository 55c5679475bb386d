import { seededRandom } from '../common/random.js';
import { FedsimError } from '../errors.js';
import { knownRegion, type NodePlan, type Plan, type ReplicaPlan } from '../topology/plan.js';
import type { NodeAction } from './effects.js';
import { defineKind, type FaultKindDef } from './kind.js';

/**
 * Node faults: kill (SIGKILL), stop (graceful), pause (frozen: connections open, nothing read),
 * restart, and wipe (down, and back empty when undone: the disk-loss case). Targets by name, by
 * region, by cluster, or all, optionally narrowed to `pick` of them chosen with a seed. Service
 * replicas are targets too: by replica name, `service:NAME`, and within `region:R`; `all` and
 * `cluster:C` mean database nodes only, and wipe applies to nodes alone (a replica has no data of fedsim's).
 */

export function selectNodes(plan: Plan, target: string, pick?: number, seed = 0): (NodePlan | ReplicaPlan)[] {
  const [scope, value] = target.includes(':') ? (target.split(':', 2) as [string, string]) : ['node', target];
  let nodes: (NodePlan | ReplicaPlan)[];
  if (target === 'all') nodes = plan.nodes;
  else if (scope === 'region') {
    knownRegion(plan, value);
    nodes = [...plan.nodes, ...plan.replicas].filter((n) => n.region === value);
  } else if (scope === 'cluster') {
    if (!plan.clusters.some((c) => c.name === value))
      throw new FedsimError(`Unknown cluster "${value}"; the clusters are ${plan.clusters.map((c) => c.name).join(', ')}.`);
    nodes = plan.nodes.filter((n) => n.cluster === value);
  } else if (scope === 'service') {
    if (!plan.services.some((s) => s.name === value))
      throw new FedsimError(
        `Unknown service "${value}"; ${plan.services.length ? `the services are ${plan.services.map((s) => s.name).join(', ')}` : 'the topology has no services'}.`,
      );
    nodes = plan.replicas.filter((r) => r.service === value);
  } else if (scope === 'node') {
    nodes = [...plan.nodes, ...plan.replicas].filter((n) => n.name === value);
    if (!nodes.length)
      throw new FedsimError(
        `Unknown node${plan.replicas.length ? ' or replica' : ''} "${value}"; the nodes are ${plan.nodes.map((n) => n.name).join(', ')}${plan.replicas.length ? `, the replicas ${plan.replicas.map((r) => r.name).join(', ')}` : ''}.`,
      );
  } else {
    throw new FedsimError(
      `Node target "${target}" is not understood; write a node or replica name, region:R, cluster:C, service:S or all.`,
    );
  }
  if (!nodes.length) throw new FedsimError(`Node target "${target}" matches no node.`);
  if (pick === undefined) return nodes;
  if (pick > nodes.length) throw new FedsimError(`Cannot pick ${pick} of the ${nodes.length} node(s) that "${target}" matches.`);
  // A seeded Fisher-Yates over the sorted candidates: the same seed, the same choice.
  const pool = [...nodes].sort((a, b) => a.name.localeCompare(b.name));
  const random = seededRandom(seed);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, pick);
}

/** The parameters of `selectNodes`' random choice, for every kind that targets nodes. */
export const PICK = {
  pick: { help: 'pick this many of the targeted nodes at random' },
  seed: { help: 'the random choice of `pick` (the same seed, the same nodes)' },
} as const;

function nodeKind<const N extends NodeAction>(name: N, does: string, inverse: string, instant?: true): FaultKindDef<N> {
  return defineKind({
    name,
    family: 'node',
    target: 'NODE or REPLICA, service:S, region:R, cluster:C or all',
    params: PICK,
    does,
    inverse,
    instant,
    effects(plan, spec) {
      const nodes = selectNodes(plan, spec.target, spec.pick, spec.seed);
      const replica = nodes.find((n): n is ReplicaPlan => 'service' in n);
      if (name === 'wipe' && replica)
        throw new FedsimError(`wipe empties a database node's data; ${replica.name} is a replica of service ${replica.service}.`);
      return {
        directions: [],
        toxics: [],
        disabled: [],
        nodes: nodes.map((n) => ({ node: n.name, container: n.container, action: name })),
      };
    },
  });
}

const STARTED = 'started again, unless another active fault holds it';

export const NODE_KINDS = [
  nodeKind('kill', 'SIGKILL', STARTED),
  nodeKind('stop', 'graceful stop (30 s, then SIGKILL)', STARTED),
  nodeKind('pause', 'frozen (connections open, nothing read)', 'unpaused, unless another active fault holds it'),
  nodeKind('restart', 'restart at once', 'nothing: it is over when it happens', true),
  nodeKind('wipe', 'down, and back **empty** when undone (a lost disk; database nodes only)', 'started with an empty data folder'),
] as const;
