import { FedsimError } from '../errors.js';
import type { NodePlan, Plan, ReplicaPlan } from '../topology/plan.js';
import type { Effects } from './effects.js';
import type { FaultSpec, NodeKind } from './spec.js';

/**
 * Node faults: kill (SIGKILL), stop (graceful), pause (frozen: connections open, nothing read),
 * restart, and wipe (down, and back empty when undone: the disk-loss case). Targets by name, by
 * region, by cluster, or all, optionally narrowed to `pick` of them chosen with a seed. Service
 * replicas are targets too: by replica name, `service:NAME`, and within `region:R`; `all` and
 * `cluster:C` mean database nodes only, and wipe applies to nodes alone (a replica has no data of fedsim's).
 */

/** mulberry32: a small seeded generator, so the same seed picks the same nodes everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function selectNodes(plan: Plan, target: string, pick?: number, seed = 0): (NodePlan | ReplicaPlan)[] {
  const [scope, value] = target.includes(':') ? (target.split(':', 2) as [string, string]) : ['node', target];
  let nodes: (NodePlan | ReplicaPlan)[];
  if (target === 'all') nodes = plan.nodes;
  else if (scope === 'region') {
    if (!plan.regions.includes(value)) throw new FedsimError(`Unknown region "${value}"; the regions are ${plan.regions.join(', ')}.`);
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

export function nodeEffects(plan: Plan, spec: FaultSpec): Effects {
  const nodes = selectNodes(plan, spec.target, spec.pick, spec.seed);
  const replica = nodes.find((n) => 'service' in n);
  if (spec.kind === 'wipe' && replica)
    throw new FedsimError(
      `wipe empties a database node's data; ${replica.name} is a replica of service ${(replica as ReplicaPlan).service}.`,
    );
  return {
    directions: [],
    toxics: [],
    disabled: [],
    nodes: nodes.map((n) => ({ node: n.name, container: n.container, action: spec.kind as NodeKind })),
  };
}
