import type cassandra from 'cassandra-driver';
import type { Say } from '../common/say.js';
import { FedsimError } from '../errors.js';
import { type ClusterPlan, knownRegion, type Plan, planFederation, REGISTRY_KEYSPACE } from '../topology/plan.js';
import { localDatacenter } from '../topology/replicas.js';
import { type Topology, TopologySchema } from '../topology/schema.js';
import { answersCql, DEFAULT_RECONNECT, type Endpoints, type ReconnectPolicy, regionClient } from './cql.js';
import type { ContainerState, Engine } from './engine.js';
import { LABEL } from './labels.js';
import { clientNamespace } from './netns.js';
import { schemaVersions } from './nodes.js';
import { removeFederation } from './removal.js';
import { type Probe, waitUntil } from './wait.js';

/**
 * The handle of a federation that is up: its plan, the endpoints through each region's gateway, a
 * driver session per region and cluster, the registry; found again by its labels (`attach`).
 * Bring-up is in bringup.ts, finding and removing by labels in removal.ts.
 */
export interface RegistryEntry {
  name: string;
  region: string;
  role: string;
}

export class Federation {
  private readonly clients = new Map<string, cassandra.Client>();
  private reconnect: ReconnectPolicy = DEFAULT_RECONNECT;

  constructor(
    readonly engine: Engine,
    readonly plan: Plan,
    readonly topology: Topology,
    /** Per region: node address -> 127.0.0.1:port through that region's gateway. */
    readonly endpoints: Record<string, Endpoints>,
    /** Per region: the gateway's Toxiproxy API on 127.0.0.1. */
    readonly gatewayApis: Record<string, string>,
  ) {}

  get name(): string {
    return this.plan.federation;
  }

  cluster(name?: string): ClusterPlan {
    const c = name ? this.plan.clusters.find((x) => x.name === name) : this.plan.clusters[0];
    if (!c)
      throw new FedsimError(`No cluster "${name}" in federation ${this.name}; it has ${this.plan.clusters.map((x) => x.name).join(', ')}.`);
    return c;
  }

  mainCluster(): ClusterPlan | undefined {
    return this.plan.clusters.find((c) => c.role === 'main');
  }

  /**
   * How soon the sessions try a lost node again (a scenario's `clients.reconnect`). Sessions open
   * already are closed, so every session from here on uses it.
   */
  async setReconnect(policy: ReconnectPolicy): Promise<void> {
    if (policy.baseMs === this.reconnect.baseMs && policy.maxMs === this.reconnect.maxMs) return;
    await this.close();
    this.reconnect = policy;
  }

  /** A driver session on one cluster, as a client in `region` sees it (through its gateway). */
  client(region: string, clusterName?: string): cassandra.Client {
    knownRegion(this.plan, region);
    const cluster = this.cluster(clusterName);
    const key = `${region}/${cluster.name}`;
    let client = this.clients.get(key);
    if (!client) {
      const mine = new Set(cluster.nodes);
      const addresses = this.plan.nodes.filter((n) => mine.has(n.name)).map((n) => n.address);
      const all = this.endpoints[region] ?? {};
      const endpoints = Object.fromEntries(addresses.map((a) => [a, all[a]!]));
      const localDataCenter = localDatacenter(cluster, region);
      client = regionClient({ endpoints, localDataCenter, reconnect: this.reconnect });
      this.clients.set(key, client);
    }
    return client;
  }

  /** The federation's registry, read from the Main Cluster: every cluster and its region. */
  async registry(fromRegion = this.mainCluster()?.regions[0] ?? this.plan.regions[0]!): Promise<RegistryEntry[]> {
    const main = this.mainCluster();
    if (!main) throw new FedsimError(`Federation ${this.name} is a stretched cluster; only the federation shape has a registry.`);
    const rs = await this.client(fromRegion, main.name).execute(`SELECT name, region, role FROM ${REGISTRY_KEYSPACE}.clusters`);
    return rs.rows.map((r) => ({ name: r.name, region: r.region, role: r.role })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The pid holding a region's client network namespace (created on first use), as `fedsim exec` enters it. */
  clientNamespace(region: string, say: Say = () => undefined): Promise<number> {
    knownRegion(this.plan, region);
    return clientNamespace(this.engine, this.plan, this.plan.clients.find((c) => c.region === region)!, say);
  }

  /** Closes this process's driver sessions; the federation keeps running. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.shutdown().catch(() => undefined)));
    this.clients.clear();
  }

  /** Closes the sessions and removes every container and network of the federation. */
  async down(): Promise<void> {
    await this.close();
    await removeFederation(this.engine, this.name);
  }

  /** `await using fed = await up(...)`: the federation is removed when the scope ends, on every path. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }
}

function hostPort(info: ContainerState, port: number): string {
  const published = info.published.get(port);
  if (!published) {
    throw new FedsimError(
      `${info.name} is ${info.status}, so its ports are gone; this federation cannot be used: \`fedsim down\` it and bring it up again.`,
    );
  }
  return published;
}

/** Endpoints and gateway APIs of a running federation, read from its gateways' published ports. */
export async function discover(
  engine: Engine,
  plan: Plan,
): Promise<{ endpoints: Record<string, Endpoints>; apis: Record<string, string> }> {
  const endpoints: Record<string, Endpoints> = {};
  const apis: Record<string, string> = {};
  for (const gw of plan.gateways) {
    const info = await engine.inspect(gw.container);
    apis[gw.region] = `http://${hostPort(info, gw.apiPort)}`;
    endpoints[gw.region] = {};
    for (const p of gw.proxies) {
      if (p.kind !== 'cql') continue;
      const node = plan.nodes.find((n) => n.name === p.node)!;
      endpoints[gw.region]![node.address] = hostPort(info, p.listenPort);
    }
  }
  return { endpoints, apis };
}

/** The last lines a container wrote, for error messages about it. */
export async function lastLogLines(engine: Engine, container: string, lines = 12): Promise<string> {
  try {
    return (await engine.logs(container, lines)).trimEnd() || '(nothing logged yet)';
  } catch {
    return '(no log)';
  }
}

/**
 * Waits until the federation answers again: every node answers CQL through its region's gateway,
 * and every node of a multi-node cluster sees all of that cluster's nodes up and on one schema
 * (nodetool describecluster), so that a QUORUM or ALL request right after works. Names the nodes still missing when time runs out.
 */
export async function waitUntilAnswering(fed: Federation, opts: { timeoutMs: number; signal?: AbortSignal; say?: Say }): Promise<void> {
  const { plan } = fed;
  const answering: Probe = {
    what: 'the federation to answer again',
    check: async () => {
      const silent = (
        await Promise.all(plan.nodes.map(async (n) => ((await answersCql(fed.endpoints[n.region]![n.address]!)) ? undefined : n.name)))
      ).filter((n): n is string => n !== undefined);
      if (silent.length) return silent.map((n) => `${n} does not answer CQL`).join('; ');
      const views = await Promise.all(
        plan.nodes.map(async (n) => {
          const peers = plan.nodes.filter((m) => m.cluster === n.cluster);
          if (peers.length < 2) return undefined;
          const versions = await schemaVersions(fed.engine, n.container).catch(() => new Map<string, string[]>());
          const agreeing = versions.size === 1 ? [...versions.values()][0]! : [];
          const notSeen = peers.filter((m) => !agreeing.includes(m.address)).map((m) => m.name);
          return notSeen.length ? `${n.name} does not see ${notSeen.join(', ')} up and agreeing on the schema` : undefined;
        }),
      );
      const missing = views.filter((v): v is string => v !== undefined);
      return missing.length ? missing.join('; ') : undefined;
    },
  };
  const outcome = await waitUntil(answering, { timeoutMs: opts.timeoutMs, everyMs: 500, say: opts.say, signal: opts.signal });
  if (!outcome.ready)
    throw new FedsimError(`The federation did not answer again within ${Math.round(opts.timeoutMs / 1000)} s: ${outcome.last}.`);
}

/** The handle of a federation that is already up (found by its labels), for status, faults and tests. */
export async function attach(engine: Engine, name: string): Promise<Federation> {
  const gws = await engine.containers({ label: [`${LABEL.federation}=${name}`, `${LABEL.role}=gateway`] });
  const first = gws[0];
  if (!first) throw new FedsimError(`No federation named ${name} is up; \`fedsim status\` lists those that are.`);
  const topology = TopologySchema.parse(JSON.parse(first.labels[LABEL.topology] ?? '{}'));
  const plan = planFederation(topology, name, Number(first.labels[LABEL.slot]));
  const { endpoints, apis } = await discover(engine, plan);
  return new Federation(engine, plan, topology, endpoints, apis);
}
