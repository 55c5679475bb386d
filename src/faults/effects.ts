import type { NodePlan, Plan } from '../topology/plan.js';

/**
 * What a fault does, said in terms of the plan: toxics added to gateway proxies, proxies disabled,
 * nodes acted on. Each kind's file turns a spec into Effects; `effectsOf` (kinds.ts) picks the file.
 */
export type ToxicType = 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' | 'slow_close' | 'slicer' | 'limit_data';

export interface ToxicEffect {
  /** Region of the gateway that holds the proxy. */
  gateway: string;
  proxy: string;
  toxic: { name: string; type: ToxicType; stream: 'upstream' | 'downstream'; attributes: Record<string, number> };
}

export interface ProxyEffect {
  gateway: string;
  proxy: string;
}

export type NodeAction = 'kill' | 'stop' | 'pause' | 'restart' | 'wipe';

export interface NodeEffect {
  node: string;
  container: string;
  action: NodeAction;
}

/**
 * iptables rules (filter table) in one container's network namespace: a gateway's (loss on a link)
 * or a node's (loss on a node). Each rule is the arguments after `-A`/`-D` and carries the comment
 * `fedsim-fault-<id>`, so heal finds every rule a fault left, with or without its record.
 */
export interface PacketEffect {
  /** The container whose network namespace holds the rules. */
  container: string;
  /** Who it is, for messages: `gateway us-east-1`, a node's or a replica's name. */
  holder: string;
  /** The node or replica it is, when it is one (for the fault log's nodes). */
  node?: string;
  rules: string[][];
}

/** cgroup limits set on a running container (engine container update); undone to the plan's. */
export interface LimitEffect {
  node: string;
  container: string;
  /** CPU quota in cores (cfs quota / period). */
  cpus?: number;
  /** Memory limit in MiB, below the planned one. */
  memoryMb?: number;
  /** The planned memory limit, restored when it is undone (absent: the container had none). */
  plannedMemoryMb?: number;
}

/** A node's clock offset, written to the file libfaketime in its JVM follows. */
export interface ClockEffect {
  node: string;
  container: string;
  /** Seconds added to the node's wall clock (negative: behind). */
  offsetSeconds: number;
}

/**
 * A change of a cluster's membership (membership.ts): a node added (`plan` is its plan, in the
 * bring-up's shape), a planned node decommissioned, or a dead one replaced by a new node at its
 * address.
 */
export interface MemberEffect {
  action: 'add' | 'decommission' | 'replace';
  node: string;
  container: string;
  cluster: string;
  region: string;
  address: string;
  /** add: the new node, planned as the bring-up plans one (its next address, a token that halves the widest range). */
  plan?: NodePlan;
}

export interface Effects {
  /** Ordered region pairs whose traffic (from -> to) the fault touches; empty for node faults. */
  directions: [string, string][];
  toxics: ToxicEffect[];
  /** Proxies the fault disables (link-down). */
  disabled: ProxyEffect[];
  nodes: NodeEffect[];
  /** Packet drop rules (loss). Optional: records stored by an older fedsim have none. */
  packets?: PacketEffect[];
  /** cgroup limits (stress). */
  limits?: LimitEffect[];
  /** Clock offsets (clock). */
  clocks?: ClockEffect[];
  /** Membership changes (add-node, decommission, replace). */
  members?: MemberEffect[];
}

/** The comment on every iptables rule of a fault: heal removes every rule that has the prefix. */
export const FAULT_RULE_PREFIX = 'fedsim-fault-';

/** Every node or replica a fault acts on, whatever it does to them: what the fault log lists. */
export function touchedNodes(e: Effects): string[] {
  const names = [
    ...e.nodes.map((n) => n.node),
    ...(e.packets ?? []).flatMap((p) => (p.node ? [p.node] : [])),
    ...(e.limits ?? []).map((l) => l.node),
    ...(e.clocks ?? []).map((c) => c.node),
    ...(e.members ?? []).map((m) => m.node),
  ];
  return [...new Set(names)];
}

/** Toxic names start with this and the fault's id, so a gateway says which fault owns each toxic. */
export const FAULT_TOXIC_PREFIX = 'fault-';

/**
 * The toxics that hold traffic going `from` -> `to`: on `from`'s gateway, its proxies toward `to`
 * carry that traffic upstream; on `to`'s gateway, its proxies toward `from` carry it downstream.
 * Client paths (cql) and replication paths (peer) alike.
 */
export function toxicsFor(
  plan: Plan,
  [from, to]: [string, string],
  id: string,
  type: ToxicType,
  attributes: Record<string, number>,
): ToxicEffect[] {
  const out: ToxicEffect[] = [];
  for (const gw of plan.gateways) {
    const stream = gw.region === from ? 'upstream' : gw.region === to ? 'downstream' : undefined;
    if (!stream) continue;
    const toward = stream === 'upstream' ? to : from;
    for (const p of gw.proxies) {
      if (p.toRegion !== toward) continue;
      out.push({ gateway: gw.region, proxy: p.name, toxic: { name: `${FAULT_TOXIC_PREFIX}${id}-${stream}`, type, stream, attributes } });
    }
  }
  return out;
}
