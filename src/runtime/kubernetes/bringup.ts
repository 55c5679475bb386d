import cassandra from 'cassandra-driver';
import { NAME_PATTERN } from '../../common/names.js';
import type { Say } from '../../common/say.js';
import { FedsimError, reason } from '../../errors.js';
import { type Plan, planFederation, REGISTRY_KEYSPACE } from '../../topology/plan.js';
import { type Topology, type TopologyInput, TopologySchema } from '../../topology/schema.js';
import { CATALOG } from '../catalog.js';
import { gatewayApiReadiness } from '../components/gateway.js';
import { type Endpoints, regionClient } from '../cql.js';
import { configureGateway } from '../gateway.js';
import { localTag } from '../images.js';
import { LABEL } from '../labels.js';
import { cqlProbe } from '../readiness.js';
import { type Probe, waitUntil } from '../wait.js';
import {
  checkRegions,
  federationExists,
  gatewayApiForward,
  type Kube,
  placedGateways,
  placeFederation,
  removeKubeFederation,
  waitPlaced,
} from './cluster.js';
import { type KubeImages, namespaceOf, nodeServiceName } from './manifests.js';

/**
 * `fedsim up --engine kubernetes`: the plan placed on a cluster (kubernetes/manifests.ts), the
 * gateways given their proxies and baseline toxics, the nodes waited for through their region's
 * gateway, the keyspaces and the registry created; on any failure or Ctrl-C the namespace is removed.
 *
 * fedsim reaches the gateways' CQL proxies at their pods' addresses, so this process must be able to
 * route to pod addresses (true on the test cluster of scripts/kube/ and inside any cluster).
 */
export interface KubeUpOptions {
  name?: string;
  images?: KubeImages;
  say?: Say;
  signal?: AbortSignal;
  nodeTimeoutMs?: number;
}

/** A federation on Kubernetes as a client sees it: per region, node address -> gateway proxy endpoint. */
export interface KubeFederation {
  name: string;
  plan: Plan;
  /** Plan node name -> the address the cluster knows the node by (its Service's). */
  addresses: Record<string, string>;
  endpoints: Record<string, Endpoints>;
}

/** fedsim's images as built by `fedsim images build`; a cluster gets them by loading (kind load, scripts/kube/cluster.sh load) or a registry. */
export function defaultKubeImages(): KubeImages {
  return { cassandra: localTag(CATALOG.cassandra), toxiproxy: localTag(CATALOG.toxiproxy) };
}

/** The pod address of each region's gateway. */
async function gatewayPods(kube: Kube, plan: Plan): Promise<Record<string, string>> {
  const pods = await kube.core.listNamespacedPod({ namespace: namespaceOf(plan.federation), labelSelector: `${LABEL.role}=gateway` });
  const out: Record<string, string> = {};
  for (const p of pods.items) {
    const region = p.metadata?.labels?.[LABEL.region];
    if (region && p.status?.podIP && p.status.phase === 'Running') out[region] = p.status.podIP;
  }
  return out;
}

/** Re-reads a placed federation's addresses and its gateways' CQL proxy endpoints. */
export async function kubeFederation(kube: Kube, plan: Plan, clusterIPs: Record<string, string>): Promise<KubeFederation> {
  const gwPods = await gatewayPods(kube, plan);
  const gateways = placedGateways(plan, clusterIPs);
  const addresses = Object.fromEntries(plan.nodes.map((n) => [n.name, clusterIPs[nodeServiceName(n.name)]!]));
  const endpoints: Record<string, Endpoints> = {};
  for (const gw of gateways) {
    const e: Endpoints = {};
    for (const p of gw.proxies) if (p.kind === 'cql') e[addresses[p.node]!] = `${gwPods[gw.region]}:${p.listenPort}`;
    endpoints[gw.region] = e;
  }
  return { name: plan.federation, plan, addresses, endpoints };
}

function replicationCql(replication: Record<string, number>): string {
  return `{'class': 'NetworkTopologyStrategy', ${Object.entries(replication)
    .map(([dc, rf]) => `'${dc}': ${rf}`)
    .join(', ')}}`;
}

/** Every node of a multi-node cluster sees all the others (NetworkTopologyStrategy needs every DC known). */
async function waitForMembership(fed: KubeFederation, say: Say, signal?: AbortSignal): Promise<void> {
  for (const cluster of fed.plan.clusters) {
    const nodes = fed.plan.nodes.filter((n) => n.cluster === cluster.name);
    if (nodes.length < 2) continue;
    const seeing: Probe = {
      what: `the nodes of cluster ${cluster.name} to see each other`,
      check: async () => {
        const views = await Promise.all(
          nodes.map(async (n) => {
            const client = regionClient({
              endpoints: { [fed.addresses[n.name]!]: fed.endpoints[n.region]![fed.addresses[n.name]!]! },
              localDataCenter: n.datacenter,
            });
            try {
              const rs = await client.execute('SELECT peer, data_center FROM system.peers');
              return rs.rows.filter((r) => r.data_center).length;
            } catch {
              return 0;
            } finally {
              await client.shutdown();
            }
          }),
        );
        return views.every((peers) => peers === nodes.length - 1) ? undefined : `they see ${views.join(', ')} of ${nodes.length - 1} peers`;
      },
    };
    const outcome = await waitUntil(seeing, { timeoutMs: 120_000, everyMs: 1000, signal });
    if (!outcome.ready) throw new FedsimError(`The nodes of cluster ${cluster.name} did not all see each other within 120 s.`);
    say(`${cluster.name}: all ${nodes.length} nodes see each other (${(outcome.ms / 1000).toFixed(1)} s)`);
  }
}

async function createKeyspaces(fed: KubeFederation): Promise<void> {
  for (const cluster of fed.plan.clusters) {
    const region = cluster.regions[0]!;
    const client = regionClient({ endpoints: fed.endpoints[region]!, localDataCenter: region });
    try {
      for (const ks of cluster.keyspaces)
        await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks.name} WITH replication = ${replicationCql(ks.replication)}`);
      if (cluster.role !== 'main') continue;
      await client.execute(`CREATE TABLE IF NOT EXISTS ${REGISTRY_KEYSPACE}.clusters (name text PRIMARY KEY, region text, role text)`);
      await client.execute(
        `CREATE TABLE IF NOT EXISTS ${REGISTRY_KEYSPACE}.workspaces (id text PRIMARY KEY, cluster text, created_at timestamp)`,
      );
      for (const c of fed.plan.clusters)
        await client.execute(
          `INSERT INTO ${REGISTRY_KEYSPACE}.clusters (name, region, role) VALUES (?, ?, ?)`,
          [c.name, c.regions[0], c.role],
          {
            consistency: cassandra.types.consistencies.localQuorum,
          },
        );
    } finally {
      await client.shutdown();
    }
  }
}

/**
 * Checks everything that can be refused before creating anything (name, regions with nodes, a
 * federation of that name), then places and waits. Removes the namespace on any failure.
 */
export async function upOnKube(kube: Kube, topologyInput: Topology | TopologyInput, opts: KubeUpOptions = {}): Promise<KubeFederation> {
  const say = opts.say ?? (() => undefined);
  const topology = TopologySchema.parse(topologyInput);
  const name = opts.name ?? topology.name ?? 'fedsim';
  if (!NAME_PATTERN.test(name))
    throw new FedsimError(`Federation name "${name}" is not usable; use 2-32 lower-case letters, digits and dashes.`);
  if (topology.services.length)
    throw new FedsimError('Services are not yet placed on Kubernetes; remove them from the topology or use --engine docker.');
  if (topology.monitoring) throw new FedsimError('Monitoring is not yet placed on Kubernetes; set monitoring: off or use --engine docker.');
  if (topology.clusters.some((c) => c.flavor === 'scylla'))
    throw new FedsimError('Only Cassandra nodes are placed on Kubernetes so far; use flavor: cassandra or --engine docker.');
  await checkRegions(kube, topology.regions);
  if (await federationExists(kube, name))
    throw new FedsimError(
      `A federation named ${name} is already up on context ${kube.context}; run \`fedsim down ${name} --engine kubernetes\` first.`,
    );
  // Addresses on Kubernetes are Services'; the plan's own (its slot) only name them.
  const plan = planFederation(topology, name, 0);
  const images = opts.images ?? defaultKubeImages();
  const forwards: { close: () => Promise<void> }[] = [];
  try {
    const t0 = Date.now();
    const { clusterIPs } = await placeFederation(kube, plan, { images, topologyJson: JSON.stringify(topology) });
    say(`placed in namespace ${namespaceOf(name)}: ${plan.nodes.length} node(s), ${plan.gateways.length} gateway(s)`);
    await waitPlaced(kube, plan, opts.nodeTimeoutMs ?? 240_000, opts.signal);
    say(`pods ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    for (const gw of placedGateways(plan, clusterIPs)) {
      const f = await gatewayApiForward(kube, name, gw.region, gw.apiPort);
      forwards.push(f);
      const ready = gatewayApiReadiness(gw, f.url);
      const outcome = await waitUntil(ready.probe, { timeoutMs: ready.timeoutMs, everyMs: ready.everyMs, signal: opts.signal });
      if (!outcome.ready) throw new FedsimError(`${ready.notReady({ last: outcome.last, timeoutMs: ready.timeoutMs })}.`);
      await configureGateway(f.url, gw);
    }
    const fed = await kubeFederation(kube, plan, clusterIPs);
    for (const n of plan.nodes) {
      const endpoint = fed.endpoints[n.region]![fed.addresses[n.name]!]!;
      const outcome = await waitUntil(cqlProbe(`${n.name} to answer CQL`, endpoint), {
        timeoutMs: opts.nodeTimeoutMs ?? 240_000,
        everyMs: 1000,
        signal: opts.signal,
      });
      if (!outcome.ready) throw new FedsimError(`Node ${n.name} did not answer CQL through the gateway of ${n.region} (${endpoint}).`);
    }
    say(`all nodes answer CQL through their gateways (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    await waitForMembership(fed, say, opts.signal);
    await createKeyspaces(fed);
    return fed;
  } catch (err) {
    say(`removing what was built of ${name}`);
    await removeKubeFederation(kube, name).catch(() => undefined);
    if (opts.signal?.aborted) throw new FedsimError(`Interrupted; federation ${name} was removed.`, 130);
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`Bringing ${name} up on Kubernetes failed: ${reason(err)}`);
  } finally {
    for (const f of forwards) await f.close();
  }
}
