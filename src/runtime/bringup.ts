import cassandra from 'cassandra-driver';
import { NAME_PATTERN } from '../common/names.js';
import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import { MAX_SLOTS, type NodePlan, type Plan, planFederation, REGISTRY_KEYSPACE } from '../topology/plan.js';
import { type Topology, type TopologyInput, TopologySchema } from '../topology/schema.js';
import { awaitReady, gateway, nodeRecord, place } from './components/index.js';
import type { Engine } from './engine.js';
import { discover, Federation } from './federation.js';
import { type ImageSource, type ResolvedImage, resolveImage } from './images.js';
import { LABEL, labelFilter } from './labels.js';
import { startMonitoring } from './monitoring.js';
import { federationNames, removeFederation } from './removal.js';
import { resolveServiceImages, startServices } from './services.js';
import { type Probe, waitUntil } from './wait.js';

/**
 * Bring-up: applies a plan to the engine (networks, gateways, nodes, services, monitoring,
 * keyspaces, the registry) and hands back a Federation; on any failure or Ctrl-C it removes what it
 * built. Each container is a component record's (components/): placed, then awaited by its
 * readiness; what is the federation's rather than one component's (the slot, membership,
 * keyspaces, the registry) is here.
 */
export interface UpOptions {
  name?: string;
  imageSource?: ImageSource;
  say?: Say;
  signal?: AbortSignal;
  /** How long one node may take to answer CQL before up gives up (default 180 s). */
  nodeTimeoutMs?: number;
  /**
   * Start each node only once the previous one answers CQL, as a single-container tool would
   * (testcontainers-style); the bring-up benchmark's baseline. Default: all nodes at once.
   */
  oneAtATime?: boolean;
  /** Told of each service replica when it is ready: fedsim's own setup time and the time to readiness (the services benchmark). */
  onReplicaReady?: (t: { replica: string; setupMs: number; readyMs: number }) => void;
}

async function usedSlots(engine: Engine): Promise<Map<number, string>> {
  const nets = await engine.networks(labelFilter());
  const used = new Map<number, string>();
  for (const n of nets) {
    const slot = Number(n.labels[LABEL.slot]);
    if (Number.isInteger(slot)) used.set(slot, n.labels[LABEL.federation] ?? '?');
  }
  return used;
}

function replicationCql(replication: Record<string, number>): string {
  return `{'class': 'NetworkTopologyStrategy', ${Object.entries(replication)
    .map(([dc, rf]) => `'${dc}': ${rf}`)
    .join(', ')}}`;
}

/**
 * Waits until every node of each multi-node cluster lists all the others as peers: a node answers
 * CQL before gossip has reached the other datacenters, and NetworkTopologyStrategy rejects a
 * datacenter it has not heard of yet.
 */
async function waitForMembership(fed: Federation, say: Say, signal?: AbortSignal): Promise<void> {
  for (const cluster of fed.plan.clusters) {
    if (cluster.nodes.length < 2) continue;
    const nodes = fed.plan.nodes.filter((n) => n.cluster === cluster.name);
    const seeingEachOther: Probe = {
      what: `the nodes of cluster ${cluster.name} to see each other`,
      check: async () => {
        // Ask each node through its own region's session: the driver keeps no pool to remote datacenters.
        const views = await Promise.all(
          nodes.map(async (n) => {
            const client = fed.client(n.region, cluster.name);
            await client.connect();
            const host = client.hosts.get(fed.endpoints[n.region]![n.address]!);
            const rs = host && (await client.execute('SELECT peer, data_center FROM system.peers', [], { host }).catch(() => undefined));
            return rs ? rs.rows.filter((r) => r.data_center).length : 0;
          }),
        );
        const short = nodes.flatMap((n, i) => (views[i] === nodes.length - 1 ? [] : [`${n.name} sees ${views[i]}`]));
        return short.length ? `${short.join(', ')} of ${nodes.length - 1} peers` : undefined;
      },
    };
    const outcome = await waitUntil(seeingEachOther, { timeoutMs: 90_000, everyMs: 500, say, signal });
    if (!outcome.ready)
      throw new FedsimError(
        `The nodes of cluster ${cluster.name} did not all see each other within 90 s (${outcome.last}); check \`fedsim status\` and the nodes' logs.`,
      );
    say(`${cluster.name}: all ${nodes.length} nodes see each other (${(outcome.ms / 1000).toFixed(1)} s)`);
  }
}

async function createKeyspaces(fed: Federation): Promise<void> {
  for (const cluster of fed.plan.clusters) {
    const client = fed.client(cluster.regions[0]!, cluster.name);
    for (const ks of cluster.keyspaces) {
      await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks.name} WITH replication = ${replicationCql(ks.replication)}`);
    }
  }
  const main = fed.mainCluster();
  if (!main) return;
  const client = fed.client(main.regions[0]!, main.name);
  await client.execute(`CREATE TABLE IF NOT EXISTS ${REGISTRY_KEYSPACE}.clusters (name text PRIMARY KEY, region text, role text)`);
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${REGISTRY_KEYSPACE}.workspaces (id text PRIMARY KEY, cluster text, created_at timestamp)`,
  );
  for (const c of fed.plan.clusters) {
    await client.execute(
      `INSERT INTO ${REGISTRY_KEYSPACE}.clusters (name, region, role) VALUES (?, ?, ?)`,
      [c.name, c.regions[0], c.role],
      {
        consistency: cassandra.types.consistencies.localQuorum,
      },
    );
  }
}

function createNetwork(engine: Engine, plan: Plan, net: Plan['networks'][number]): Promise<unknown> {
  return engine
    .createNetwork({
      name: net.name,
      subnet: net.subnet,
      gateway: net.bridge,
      labels: {
        [LABEL.managed]: 'true',
        [LABEL.federation]: plan.federation,
        [LABEL.region]: net.region,
        [LABEL.slot]: String(plan.slot),
      },
    })
    .catch((err) => {
      throw new FedsimError(`Cannot create network ${net.name} (${net.subnet}): ${reason(err)}`);
    });
}

/**
 * Picks a free address slot and claims it by creating the federation's first network: the engine
 * refuses an overlapping subnet atomically, so concurrent `up`s (in one process or several) each
 * end up with their own slot.
 */
async function claimSlot(engine: Engine, topology: Topology, name: string): Promise<Plan> {
  const used = await usedSlots(engine);
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    if (used.has(slot)) continue;
    const plan = planFederation(topology, name, slot);
    try {
      await createNetwork(engine, plan, plan.networks[0]!);
      return plan;
    } catch (err) {
      if (!/overlaps/i.test((err as Error).message)) throw err;
    }
  }
  throw new FedsimError(`No free address slot: ${MAX_SLOTS} federations (or other networks in 10.213.0.0/16) are up; take one down first.`);
}

/** Brings a topology up as containers and returns its handle; on any failure removes what it built. */
export async function up(engine: Engine, topologyInput: Topology | TopologyInput, opts: UpOptions = {}): Promise<Federation> {
  const say = opts.say ?? (() => undefined);
  const topology = TopologySchema.parse(topologyInput);
  const name = opts.name ?? topology.name ?? 'fedsim';
  if (!NAME_PATTERN.test(name))
    throw new FedsimError(`Federation name "${name}" is not usable; use 2-32 lower-case letters, digits and dashes.`);
  if ((await federationNames(engine)).includes(name)) {
    throw new FedsimError(`A federation named ${name} is already up; run \`fedsim down ${name}\` first or choose another --name.`);
  }
  const plan = await claimSlot(engine, topology, name);
  try {
    const gatewayImage = await resolveImage(engine, 'toxiproxy', opts.imageSource ?? 'auto', say);
    say(`gateway image: ${gatewayImage.ref} (${gatewayImage.source}, ${gatewayImage.how})`);
    const nodeImages = new Map<string, ResolvedImage>();
    for (const flavor of new Set(plan.nodes.map((n) => n.flavor))) {
      const img = await resolveImage(engine, flavor, opts.imageSource ?? 'auto', say).catch(async (err) => {
        if (flavor !== 'scylla' || opts.imageSource === 'registry') throw err;
        say('scylla: no ScyllaDB image can be had here; Apache Cassandra stands in (same CQL and driver protocol)');
        return resolveImage(engine, 'cassandra', 'local', say);
      });
      say(`${flavor} nodes: ${img.ref} (${img.source}, ${img.how})`);
      nodeImages.set(flavor, img);
    }
    // The user's images first: a bad one fails `up` before any node is waited for.
    const serviceImages = await resolveServiceImages(engine, plan, say);
    opts.signal?.throwIfAborted();

    for (const net of plan.networks.slice(1)) await createNetwork(engine, plan, net);
    say(`networks: ${plan.networks.map((n) => `${n.region} ${n.subnet}`).join(', ')}`);

    const topologyJson = JSON.stringify(topology);
    const gateways = plan.gateways.map((gw) => ({ ...gw, topologyJson }));
    for (const gw of gateways) await place(engine, plan, gateway, gw, gatewayImage);
    await Promise.all(gateways.map((gw) => awaitReady(engine, plan, gateway, gw, gw.container, { signal: opts.signal })));
    const { endpoints, apis } = await discover(engine, plan);
    say(`gateways ready: ${plan.gateways.map((g) => `${g.region} (${g.proxies.length} proxies)`).join(', ')}`);

    opts.signal?.throwIfAborted();
    // A failure on one side (nodes, services) stops the other before anything is removed.
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const t0 = Date.now();
    const timeoutMs = opts.nodeTimeoutMs ?? 180_000;
    const start = (node: NodePlan) => {
      const image = nodeImages.get(node.flavor)!;
      return place(engine, plan, nodeRecord(image), node, image);
    };
    const ready = async (node: NodePlan) => {
      const ms = await awaitReady(engine, plan, nodeRecord(nodeImages.get(node.flavor)!), node, node.container, { say, signal, timeoutMs });
      say(`${node.name} answers CQL (${(ms! / 1000).toFixed(1)} s)`);
    };
    const fed = new Federation(engine, plan, topology, endpoints, apis);
    const databases = async () => {
      if (opts.oneAtATime) {
        for (const node of plan.nodes) {
          await start(node);
          await ready(node);
        }
      } else {
        await Promise.all(plan.nodes.map(start));
        say(`started ${plan.nodes.length} node(s): ${plan.nodes.map((n) => n.name).join(', ')}`);
        await Promise.all(plan.nodes.map(ready));
      }
      say(`all nodes ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      signal.throwIfAborted();
      await startMonitoring(engine, plan, opts.imageSource ?? 'auto', say, signal);
      try {
        await waitForMembership(fed, say, signal);
        await createKeyspaces(fed);
      } catch (err) {
        await fed.close();
        if (err instanceof FedsimError || signal.aborted) throw err;
        throw new FedsimError(`Creating keyspaces in federation ${name} failed: ${reason(err)}`);
      }
      if (fed.mainCluster()) say(`registry written on ${fed.mainCluster()!.name}`);
    };
    // Services that wait for no cluster start beside the nodes; the others once the clusters are ready.
    const clustersReady = databases();
    const services = startServices(engine, plan, serviceImages, { clustersReady, say, signal, onReady: opts.onReplicaReady });
    const first = await Promise.race(
      [clustersReady, services].map((p) =>
        p.then(
          () => undefined,
          (err: unknown) => ({ err }),
        ),
      ),
    );
    if (first) stop.abort();
    const settled = await Promise.allSettled([clustersReady, services]);
    const failed = first ?? settled.map((r) => (r.status === 'rejected' ? { err: r.reason } : undefined)).find(Boolean);
    if (failed) {
      await fed.close();
      throw failed.err;
    }
    return fed;
  } catch (err) {
    say(`removing what was built of ${name}`);
    await removeFederation(engine, name).catch(() => undefined);
    if (opts.signal?.aborted) throw new FedsimError(`Interrupted; federation ${name} was removed.`, 130);
    throw err;
  }
}
