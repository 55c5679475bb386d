import type { NodePlan, Plan } from '../topology/plan.js';
import type { ContainerSpec, Engine } from './engine.js';
import { federationLabels, LABEL } from './labels.js';

/**
 * Node flavors: how one database process is started from its plan. Cassandra runs fedsim's local
 * image (its entrypoint reads FEDSIM_* variables); Scylla runs the official image's entrypoint flags.
 */
export function nodeContainerSpec(plan: Plan, node: NodePlan, image: string, imageIsScylla: boolean): ContainerSpec {
  const network = plan.networks.find((n) => n.region === node.region)!;
  const dnat = node.dnat.map((d) => `${d.to}>${d.via}`).join(' ');
  const base: ContainerSpec = {
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
      `FEDSIM_COMMITLOG=${node.commitlog}`,
      `FEDSIM_DNAT=${dnat}`,
      `FEDSIM_PROCESSORS=${node.tuning.processors}`,
      `FEDSIM_LIGHT=${node.tuning.light ? 1 : 0}`,
      `FEDSIM_CDS=${node.tuning.cds ? 1 : 0}`,
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

/** Runs a command in a running container and returns what it printed (stdout and stderr). */
export async function execText(engine: Engine, container: string, cmd: string[], timeoutMs = 20_000): Promise<string> {
  return (await engine.exec(container, cmd, timeoutMs)).output;
}

/**
 * The schema versions a node sees and which addresses hold each (`nodetool describecluster`); an
 * unreachable node is listed under "UNREACHABLE". One version held by every node of the cluster
 * means the node sees them all up and agreeing on the schema.
 */
export async function schemaVersions(engine: Engine, container: string): Promise<Map<string, string[]>> {
  const out = await execText(engine, container, ['nodetool', 'describecluster']);
  const versions = new Map<string, string[]>();
  const block = /Schema versions:\n((?:\t\t.*\n)+)/.exec(out)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const m = /^\s*(\S+): \[(.*)\]/.exec(line);
    if (m)
      versions.set(
        m[1]!,
        m[2]!.split(',').map((a) => a.trim().replace(/:\d+$/, '')),
      );
  }
  return versions;
}

/**
 * Leaves the wipe marker in a stopped node's data directory: the image's entrypoint deletes the
 * data before Cassandra starts, so the node comes back empty, as after losing its disk.
 */
export function markForWipe(engine: Engine, container: string): Promise<void> {
  return engine.putFiles(container, '/var/lib/cassandra', { '.fedsim-wipe': 'wiped by fedsim\n' });
}
