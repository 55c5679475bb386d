import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import tar from 'tar-fs';
import type { NodePlan, Plan } from '../topology/plan.js';
import type { Engine } from './engine.js';
import { federationLabels, LABEL } from './labels.js';
import { execIn } from './readiness.js';

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
  return (await execIn(engine, container, cmd, timeoutMs)).output;
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

/** Writes files (names may have folders) into a container's directory, created or stopped too, as a tar archive. */
export async function putFiles(engine: Engine, container: string, path: string, files: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fedsim-files-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const archive = tar.pack(dir, { entries: Object.keys(files) }) as unknown as NodeJS.ReadableStream;
    await engine.docker.getContainer(container).putArchive(archive, { path });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Leaves the wipe marker in a stopped node's data directory: the image's entrypoint deletes the
 * data before Cassandra starts, so the node comes back empty, as after losing its disk.
 */
export function markForWipe(engine: Engine, container: string): Promise<void> {
  return putFiles(engine, container, '/var/lib/cassandra', { '.fedsim-wipe': 'wiped by fedsim\n' });
}

/** CPU time a container has used since it started, in seconds (its cgroup's counter, as `docker stats` reads it). */
export async function cpuSeconds(engine: Engine, container: string): Promise<number> {
  const s = await engine.docker.getContainer(container).stats({ stream: false });
  return s.cpu_stats.cpu_usage.total_usage / 1e9;
}
