import type Docker from 'dockerode';
import type { NodePlan, Plan } from '../topology/plan.js';
import { federationLabels, LABEL } from './labels.js';

/**
 * Node flavors: how one database process is started from its plan. Cassandra runs fedsim's local
 * image (its entrypoint reads FEDSIM_* variables); Scylla runs the official image's entrypoint flags.
 */
export function nodeContainerSpec(plan: Plan, node: NodePlan, image: string, imageIsScylla: boolean): Docker.ContainerCreateOptions {
  const network = plan.networks.find((n) => n.region === node.region)!;
  const dnat = node.dnat.map((d) => `${d.to}>${d.via}`).join(' ');
  const base: Docker.ContainerCreateOptions = {
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
  if (!imageIsScylla) {
    base.Env = [
      `FEDSIM_CLUSTER_NAME=${node.cluster}`,
      `FEDSIM_DC=${node.datacenter}`,
      `FEDSIM_RACK=${node.rack}`,
      `FEDSIM_SEEDS=${node.seeds.join(',')}`,
      `FEDSIM_ADDRESS=${node.address}`,
      `FEDSIM_TOKEN=${node.token}`,
      `FEDSIM_HEAP=${node.heapMb}M`,
      `FEDSIM_DNAT=${dnat}`,
    ];
    return base;
  }
  // The official Scylla image: its entrypoint takes flags; DC and rack come from a properties file
  // written before start, and DNAT rules are applied by a shell before the entrypoint runs.
  const rackdc = `dc=${node.datacenter}\\nrack=${node.rack}\\n`;
  const rules = node.dnat
    .map((d) => `iptables -t nat -A OUTPUT -p tcp -d ${d.to.split(':')[0]} --dport ${d.to.split(':')[1]} -j DNAT --to-destination ${d.via}`)
    .join(' && ');
  const flags = [
    '--smp 1',
    `--memory ${Math.floor(node.memoryMb * 0.75)}M`,
    '--overprovisioned 1',
    '--developer-mode 1',
    `--seeds ${node.seeds.join(',')}`,
    `--listen-address ${node.address}`,
    `--broadcast-address ${node.address}`,
    `--broadcast-rpc-address ${node.address}`,
    '--endpoint-snitch GossipingPropertyFileSnitch',
    `--cluster-name ${node.cluster}`,
  ].join(' ');
  base.Entrypoint = ['/bin/bash', '-c'];
  base.Cmd = [
    `printf '${rackdc}' > /etc/scylla/cassandra-rackdc.properties; ${rules ? `${rules} && ` : ''}exec /docker-entrypoint.py ${flags}`,
  ];
  return base;
}
