import type { Plan } from '../topology/plan.js';

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

export interface Effects {
  /** Ordered region pairs whose traffic (from -> to) the fault touches; empty for node faults. */
  directions: [string, string][];
  toxics: ToxicEffect[];
  /** Proxies the fault disables (link-down). */
  disabled: ProxyEffect[];
  nodes: NodeEffect[];
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
