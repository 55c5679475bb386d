import type { NodePlan, Plan } from '../../topology/plan.js';
import type { ContainerSpec, Engine } from '../engine.js';
import { discover } from '../federation.js';
import { federationLabels, LABEL } from '../labels.js';
import { cqlProbe } from '../readiness.js';
import type { ReadyWhen } from './record.js';

/** What a node's container is whatever its flavor: its name, labels, memory, address; NET_ADMIN for its DNAT rules. */
export function nodeBase(plan: Plan, node: NodePlan, image: string): ContainerSpec {
  const network = plan.networks.find((n) => n.region === node.region)!;
  return {
    name: node.container,
    Image: image,
    Hostname: node.name,
    Labels: federationLabels(plan.federation, {
      [LABEL.role]: 'node',
      [LABEL.region]: node.region,
      [LABEL.cluster]: node.cluster,
      [LABEL.node]: node.name,
    }),
    HostConfig: {
      Memory: node.memoryMb * 1024 * 1024,
      // NET_ADMIN: cross-region peer traffic is redirected to the gateway by iptables DNAT rules.
      CapAdd: ['NET_ADMIN'],
    },
    NetworkingConfig: { EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: node.address } } } },
  };
}

/** A node is ready when it answers CQL through its own region's gateway, as the region's clients reach it. */
export async function nodeReadiness(engine: Engine, plan: Plan, node: NodePlan): Promise<ReadyWhen> {
  const endpoint = (await discover(engine, plan)).endpoints[node.region]![node.address]!;
  return {
    probe: cqlProbe(`${node.name} to answer CQL`, endpoint),
    timeoutMs: 180_000,
    everyMs: 1000,
    required: true,
    notReady: ({ exit, timeoutMs }) =>
      exit
        ? `Node ${node.name} exited (code ${exit.code}${exit.oom ? ', out of memory: raise its memory' : ''}) before answering CQL`
        : `Node ${node.name} did not answer CQL within ${Math.round(timeoutMs / 1000)} s`,
  };
}
