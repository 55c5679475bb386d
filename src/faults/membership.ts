import { FedsimError } from '../errors.js';
import { containerName, type NodePlan, type Plan } from '../topology/plan.js';
import type { MemberEffect } from './effects.js';
import { defineKind } from './kind.js';
import { PICK, selectNodes } from './node.js';

/**
 * Membership changes of a Cassandra cluster, each a fault with its inverse, as scylla-cluster-tests'
 * grow/shrink nemeses do them: a node added (it bootstraps: streams its ranges before it serves), a
 * planned node decommissioned (it streams its ranges away and leaves the ring), a dead node replaced
 * (a new, empty node takes over its address and tokens, -Dcassandra.replace_address_first_boot).
 * The declared membership is the plan's: heal removes nodes the plan does not have (decommissioned
 * first) and brings planned ones back (empty, bootstrapping their planned token).
 *
 * Added nodes live in the cluster's one region: a cluster stretched over regions reaches its
 * peers through gateway proxies planned at bring-up, and none leads to a node added later.
 */

/** Added nodes take addresses from .200 of their region (.11 up: planned nodes; .150 up: service replicas). */
export const ADDED_NODE_HOST_BASE = 200;
const RING = 2n ** 64n;
const MIN_TOKEN = -(2n ** 63n);

/** The token halfway along the widest range between `tokens` (Murmur3's ring wraps at 2^63). */
export function widestRangeMidpoint(tokens: string[]): string {
  const sorted = tokens.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (!sorted.length) return '0';
  let best = { from: sorted[sorted.length - 1]!, width: sorted[0]! - sorted[sorted.length - 1]! + RING };
  for (let i = 1; i < sorted.length; i++) {
    const width = sorted[i]! - sorted[i - 1]!;
    if (width > best.width) best = { from: sorted[i - 1]!, width };
  }
  const mid = best.from + best.width / 2n;
  // Back into [-2^63, 2^63).
  return (((mid - MIN_TOKEN) % RING) + MIN_TOKEN).toString();
}

function cassandraCluster(plan: Plan, name: string, kind: string) {
  const cluster = plan.clusters.find((c) => c.name === name);
  if (!cluster) throw new FedsimError(`Unknown cluster "${name}"; the clusters are ${plan.clusters.map((c) => c.name).join(', ')}.`);
  if (cluster.flavor !== 'cassandra')
    throw new FedsimError(
      `${kind} changes the membership of Cassandra clusters of fedsim's image; ${name} is a ${cluster.flavor} cluster.`,
    );
  return cluster;
}

/** The plan of the node `add-node` adds to a cluster: its siblings' settings, the next name, a free address and token. */
export function addedNodePlan(plan: Plan, clusterName: string): NodePlan {
  const cluster = cassandraCluster(plan, clusterName, 'add-node');
  if (cluster.regions.length !== 1)
    throw new FedsimError(
      `add-node grows a cluster that lives in one region; ${cluster.name} is stretched over ${cluster.regions.join(', ')} (its peers in other regions reach each other through gateway proxies planned at bring-up, and none would lead to a new node).`,
    );
  const region = cluster.regions[0]!;
  const siblings = plan.nodes.filter((n) => n.cluster === cluster.name);
  const first = siblings[0]!;
  const inRegion = plan.clusters.filter((c) => c.regions.includes(region)).map((c) => c.name);
  const prefix = plan.networks.find((n) => n.region === region)!.subnet.replace(/\.0\/24$/, '');
  const name = `${cluster.name}-${region}-${siblings.length + 1}`;
  return {
    ...first,
    name,
    container: containerName(plan.federation, name),
    address: `${prefix}.${ADDED_NODE_HOST_BASE + inRegion.indexOf(cluster.name)}`,
    // Not its own seed: a seed never bootstraps.
    seeds: siblings.map((n) => n.address),
    token: widestRangeMidpoint(siblings.map((n) => n.token)),
    dnat: [...first.dnat],
  };
}

/** The one planned Cassandra node a decommission or replace acts on. */
function oneNode(plan: Plan, kind: string, target: string, pick?: number, seed?: number) {
  const nodes = selectNodes(plan, target, pick, seed);
  if (nodes.length !== 1) throw new FedsimError(`${kind} takes one node at a time; "${target}" matches ${nodes.length} (add --pick 1).`);
  const n = nodes[0]!;
  if (!('flavor' in n)) throw new FedsimError(`${kind} acts on database nodes; ${n.name} is a replica of service ${n.service}.`);
  cassandraCluster(plan, n.cluster, kind);
  if (plan.nodes.filter((m) => m.cluster === n.cluster).length < 2)
    throw new FedsimError(`${kind} needs a cluster of two nodes or more; ${n.name} is the only node of ${n.cluster}.`);
  return n;
}

const member = (action: MemberEffect['action'], n: NodePlan): MemberEffect => ({
  action,
  node: n.name,
  container: n.container,
  cluster: n.cluster,
  region: n.region,
  address: n.address,
  ...(action === 'add' && { plan: n }),
});

const effectsOf = (m: MemberEffect) => ({ directions: [], toxics: [], disabled: [], nodes: [], members: [m] });

const ONE_PICKED = {
  ...PICK,
  pick: { help: 'pick this many of the targeted nodes at random (decommission and replace act on one: 1)' },
} as const;

export const MEMBERSHIP_KINDS = [
  defineKind({
    name: 'add-node',
    family: 'membership',
    target: 'cluster:C',
    params: {},
    does: 'a new node joins the cluster (one living in one region) and bootstraps: streams its ranges, then serves',
    inverse: 'the added node decommissioned (its ranges streamed back) and its container removed',
    effects(plan, spec) {
      const [scope, name] = spec.target.includes(':') ? spec.target.split(':', 2) : ['cluster', spec.target];
      if (scope !== 'cluster') throw new FedsimError(`add-node targets a cluster: write cluster:NAME, not "${spec.target}".`);
      return effectsOf(member('add', addedNodePlan(plan, name!)));
    },
  }),
  defineKind({
    name: 'decommission',
    family: 'membership',
    target: 'NODE, region:R or cluster:C',
    params: ONE_PICKED,
    does: 'the node decommissioned (`nodetool decommission`: its ranges streamed to the others), then stopped',
    inverse: 'the node back: started empty, bootstrapping its planned token',
    effects: (plan, spec) => effectsOf(member('decommission', oneNode(plan, 'decommission', spec.target, spec.pick, spec.seed))),
  }),
  defineKind({
    name: 'replace',
    family: 'membership',
    target: 'NODE, region:R or cluster:C',
    params: ONE_PICKED,
    does: 'the node killed, and a new empty node takes over its address and tokens (replace_address_first_boot), streaming its data',
    inverse: 'nothing: the replacement is the planned node (address, token, container); over when it serves',
    instant: true,
    effects: (plan, spec) => effectsOf(member('replace', oneNode(plan, 'replace', spec.target, spec.pick, spec.seed))),
  }),
] as const;
