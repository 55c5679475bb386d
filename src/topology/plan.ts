import { FedsimError } from '../errors.js';
import {
  CLIENT_HOST,
  type ClientPlan,
  type DnatRule,
  dnatOf,
  planReplicas,
  type ReplicaPlan,
  regionEnv,
  regionHosts,
  type ServicePlan,
} from './replicas.js';
import type { ClusterSpec, Topology } from './schema.js';

export type { ClientPlan, DnatRule, ReplicaPlan, ServicePlan } from './replicas.js';

/**
 * The plan: a pure function of a topology (plus the federation's name and address slot) that says
 * every network, address, container, seed, token, proxy and port. Same input, same plan. The runtime
 * applies it; nothing here talks to Docker.
 */
export interface LinkPlan {
  from: string;
  to: string;
  latencyMs: number;
  jitterMs: number;
}

export interface ToxicPlan {
  name: string;
  type: 'latency';
  stream: 'upstream' | 'downstream';
  attributes: { latency: number; jitter: number };
}

/** A Toxiproxy proxy on a gateway: the path from the gateway's region to one node. */
export interface ProxyPlan {
  name: string;
  /**
   * cql: clients to a node; peer: a node's replication traffic to a node in another region; svc:
   * clients to one port of a service replica in another region.
   */
  kind: 'cql' | 'peer' | 'svc';
  /** The node, or for svc the replica, the proxy leads to. */
  node: string;
  /** Region of the node the proxy leads to. */
  toRegion: string;
  listenPort: number;
  upstream: string;
  /** The link's baseline latency, upstream = gateway region -> node region, downstream = back. */
  toxics: ToxicPlan[];
}

export interface GatewayPlan {
  region: string;
  container: string;
  /** The gateway's address on every region's network (it is attached to all of them). */
  addresses: Record<string, string>;
  apiPort: number;
  proxies: ProxyPlan[];
}

export interface NetworkPlan {
  region: string;
  name: string;
  subnet: string;
  bridge: string;
}

export interface NodePlan {
  name: string;
  container: string;
  cluster: string;
  region: string;
  datacenter: string;
  rack: string;
  address: string;
  seeds: string[];
  token: string;
  flavor: ClusterSpec['flavor'];
  version?: string;
  memoryMb: number;
  commitlog: ClusterSpec['commitlog'];
  heapMb: number;
  tuning: ClusterSpec['tuning'];
  /** Cross-region peer traffic of this node, redirected to its own region's gateway. */
  dnat: DnatRule[];
}

export interface KeyspacePlan {
  name: string;
  /** Replicas per datacenter (a datacenter is named after its region). */
  replication: Record<string, number>;
}

export interface ClusterPlan {
  name: string;
  role: 'main' | 'worker' | 'stretched';
  flavor: ClusterSpec['flavor'];
  regions: string[];
  nodes: string[];
  keyspaces: KeyspacePlan[];
}

/**
 * Monitoring, when the topology asks for it: Prometheus and Alertmanager attached to every region's
 * network (out of band: no gateway, no WAN toxics), and the address where the fedsim process that
 * runs a scenario serves its metrics and Alertmanager's webhook.
 */
export interface MonitoringPlan {
  prometheus: { container: string; addresses: Record<string, string> };
  alertmanager: { container: string; addresses: Record<string, string> };
  /** Started only where its image can be had. */
  grafana: { container: string; addresses: Record<string, string> };
  /** The host as the first region's network sees it (its bridge), and fedsim's port there. */
  fedsim: { host: string; port: number };
}

export const PROMETHEUS_PORT = 9090;
export const ALERTMANAGER_PORT = 9093;
export const GRAFANA_PORT = 3000;
/** Cassandra's metrics (the JMX exporter agent in the image). */
export const NODE_METRICS_PORT = 7070;
const FEDSIM_METRICS_BASE = 19100;

/**
 * `region` when the plan has it; otherwise the one sentence every command gives for an unknown
 * region, naming the text it was found in (`in "a->mars"`) when there is one.
 */
export function knownRegion(plan: Pick<Plan, 'regions'>, region: string, within?: string): string {
  if (plan.regions.includes(region)) return region;
  throw new FedsimError(`Unknown region "${region}"${within ? ` in "${within}"` : ''}; the regions are ${plan.regions.join(', ')}.`);
}

export interface Plan {
  federation: string;
  slot: number;
  shape: Topology['shape'];
  regions: string[];
  links: LinkPlan[];
  networks: NetworkPlan[];
  gateways: GatewayPlan[];
  nodes: NodePlan[];
  clusters: ClusterPlan[];
  monitoring?: MonitoringPlan;
  /** The user's services and their replicas (each a client of its region). */
  services: ServicePlan[];
  replicas: ReplicaPlan[];
  /** Per region, the client namespace `fedsim exec` enters. */
  clients: ClientPlan[];
}

export const CQL_PORT = 9042;
export const PEER_PORT = 7000;
export const GATEWAY_API_PORT = 8474;
const CQL_PROXY_BASE = 20000;
const PEER_PROXY_BASE = 21000;
const SVC_PROXY_BASE = 22000;
/** How many federations can be up at once on one engine: each takes 8 /24 subnets. */
export const MAX_SLOTS = 32;
export const REGISTRY_KEYSPACE = 'fedsim_registry';

/** Subnets live in 10.213.0.0/16, away from Docker's default pools; slot s owns 10.213.(8s..8s+7).0/24. */
function subnetOf(slot: number, regionIndex: number): string {
  return `10.213.${slot * 8 + regionIndex}`;
}

/** Every ordered pair of distinct regions with its one-way baseline: the default, then overrides. */
export function linkMatrix(t: Topology): LinkPlan[] {
  const links: LinkPlan[] = [];
  for (const from of t.regions) {
    for (const to of t.regions) {
      if (from === to) continue;
      const pair = t.links.pairs.find((p) => (p.from === from && p.to === to) || (p.both && p.from === to && p.to === from));
      const l = pair ?? t.links.default;
      links.push({ from, to, latencyMs: l.latency, jitterMs: l.jitter });
    }
  }
  return links;
}

/** The link's baseline as latency toxics: A->B on the upstream stream, B->A on the downstream one. */
function baselineToxics(links: LinkPlan[], from: string, to: string): ToxicPlan[] {
  if (from === to) return [];
  const directions = [
    { stream: 'upstream' as const, link: links.find((l) => l.from === from && l.to === to) },
    { stream: 'downstream' as const, link: links.find((l) => l.from === to && l.to === from) },
  ];
  return directions
    .filter(({ link }) => link && (link.latencyMs || link.jitterMs))
    .map(({ stream, link }) => ({
      name: stream === 'upstream' ? 'baseline-up' : 'baseline-down',
      type: 'latency',
      stream,
      attributes: { latency: link!.latencyMs, jitter: link!.jitterMs },
    }));
}

/** ccm's balanced tokens: i * 2^64/N - 2^63 within a datacenter, offset by 100 per datacenter. */
function token(i: number, n: number, dcIndex: number): string {
  return ((BigInt(i) * (2n ** 64n / BigInt(n)) - 2n ** 63n + BigInt(100 * dcIndex)) as bigint).toString();
}

export function containerName(federation: string, what: string): string {
  return `fedsim-${federation}-${what}`;
}

export function planFederation(t: Topology, federation: string, slot: number): Plan {
  if (slot < 0 || slot >= MAX_SLOTS) throw new Error(`slot ${slot} out of range`);
  const regionIndex = new Map(t.regions.map((r, i) => [r, i]));
  const links = linkMatrix(t);
  const networks: NetworkPlan[] = t.regions.map((region, i) => ({
    region,
    name: containerName(federation, region),
    subnet: `${subnetOf(slot, i)}.0/24`,
    bridge: `${subnetOf(slot, i)}.1`,
  }));
  const ip = (region: string, host: number) => `${subnetOf(slot, regionIndex.get(region) ?? 0)}.${host}`;

  // Nodes: addresses from .11 in their region.
  const nodes: NodePlan[] = [];
  const perRegionCount = new Map<string, number>();
  for (const c of t.clusters) {
    const dcs = Object.keys(c.nodes);
    dcs.forEach((region, dcIndex) => {
      const n = c.nodes[region] ?? 0;
      for (let i = 0; i < n; i++) {
        const k = perRegionCount.get(region) ?? 0;
        perRegionCount.set(region, k + 1);
        const name = `${c.name}-${region}-${i + 1}`;
        nodes.push({
          name,
          container: containerName(federation, name),
          cluster: c.name,
          region,
          datacenter: region,
          rack: 'rack1',
          address: ip(region, 11 + k),
          seeds: [],
          token: token(i, n, dcIndex),
          flavor: c.flavor,
          version: c.version,
          memoryMb: c.memory,
          commitlog: c.commitlog,
          heapMb: Math.max(256, Math.floor(c.memory / 3)),
          tuning: c.tuning,
          dnat: [],
        });
      }
    });
  }
  const nodeIndex = new Map(nodes.map((n, i) => [n.name, i]));
  for (const n of nodes) {
    const sameCluster = nodes.filter((m) => m.cluster === n.cluster);
    // Every node is a seed: a node whose seeds are all still starting gives up ("Unable to gossip
    // with any peers") unless it is in its own seed list, and all of a federation's nodes start at once.
    n.seeds = sameCluster.map((m) => m.address);
  }

  const planned = planReplicas(t.services, federation, ip, containerName);
  // One proxy port per (replica, port), the same on every gateway.
  const svcPorts = planned.replicas.flatMap((r) => r.ports.map((p) => ({ replica: r, port: p.port })));

  // Gateways: one per region, attached to every region's network (.2 at home, .100+i elsewhere).
  const gateways: GatewayPlan[] = t.regions.map((region) => {
    const addresses: Record<string, string> = {};
    for (const r of t.regions) addresses[r] = r === region ? ip(r, 2) : ip(r, 100 + (regionIndex.get(region) ?? 0));
    const proxies: ProxyPlan[] = nodes.map((m) => ({
      name: `cql-${m.name}`,
      kind: 'cql' as const,
      node: m.name,
      toRegion: m.region,
      listenPort: CQL_PROXY_BASE + (nodeIndex.get(m.name) ?? 0),
      upstream: `${m.address}:${CQL_PORT}`,
      toxics: baselineToxics(links, region, m.region),
    }));
    // Peer paths: nodes of this region reaching nodes of the same cluster in other regions.
    const remotePeers = nodes.filter((m) => m.region !== region && nodes.some((n) => n.region === region && n.cluster === m.cluster));
    for (const m of remotePeers) {
      proxies.push({
        name: `peer-${m.name}`,
        kind: 'peer',
        node: m.name,
        toRegion: m.region,
        listenPort: PEER_PROXY_BASE + (nodeIndex.get(m.name) ?? 0),
        upstream: `${m.address}:${PEER_PORT}`,
        toxics: baselineToxics(links, region, m.region),
      });
    }
    // Service paths: clients of this region reaching replicas in other regions.
    svcPorts.forEach(({ replica, port }, j) => {
      if (replica.region === region) return;
      proxies.push({
        name: `svc-${replica.name}-${port}`,
        kind: 'svc',
        node: replica.name,
        toRegion: replica.region,
        listenPort: SVC_PROXY_BASE + j,
        upstream: `${replica.address}:${port}`,
        toxics: baselineToxics(links, region, replica.region),
      });
    });
    return { region, container: containerName(federation, `gw-${region}`), addresses, apiPort: GATEWAY_API_PORT, proxies };
  });
  for (const n of nodes) {
    const gw = gateways.find((g) => g.region === n.region)!;
    n.dnat = gw.proxies
      .filter((p) => p.kind === 'peer' && nodes[nodeIndex.get(p.node) ?? 0]?.cluster === n.cluster)
      .map((p) => ({ to: p.upstream, via: `${gw.addresses[n.region]}:${p.listenPort}` }));
  }

  const clusters: ClusterPlan[] = t.clusters.map((c) => {
    const regions = Object.keys(c.nodes);
    const keyspaces: KeyspacePlan[] = [];
    for (const k of t.keyspaces) {
      const replication: Record<string, number> = {};
      for (const r of regions) {
        const rf = typeof k.replication === 'number' ? k.replication : k.replication[r];
        if (rf) replication[r] = rf;
      }
      if (Object.keys(replication).length) keyspaces.push({ name: k.name, replication });
    }
    const role = t.shape === 'stretched' ? 'stretched' : (c.role ?? 'worker');
    if (role === 'main') {
      const replication = Object.fromEntries(regions.map((r) => [r, Math.min(3, c.nodes[r] ?? 1)]));
      keyspaces.unshift({ name: REGISTRY_KEYSPACE, replication });
    }
    return {
      name: c.name,
      role,
      flavor: c.flavor,
      regions,
      nodes: nodes.filter((n) => n.cluster === c.name).map((n) => n.name),
      keyspaces,
    };
  });

  const everywhere = (host: number) => Object.fromEntries(t.regions.map((r) => [r, ip(r, host)]));
  const monitoring: MonitoringPlan | undefined = t.monitoring
    ? {
        prometheus: { container: containerName(federation, 'prometheus'), addresses: everywhere(4) },
        alertmanager: { container: containerName(federation, 'alertmanager'), addresses: everywhere(5) },
        grafana: { container: containerName(federation, 'grafana'), addresses: everywhere(6) },
        fedsim: { host: networks[0]!.bridge, port: FEDSIM_METRICS_BASE + slot },
      }
    : undefined;

  const view = (region: string) => regionEnv(federation, region, t.regions, clusters, nodes, planned.services, planned.replicas, CQL_PORT);
  const replicas: ReplicaPlan[] = planned.replicas.map((r) => {
    const service = planned.services.find((s) => s.name === r.service)!;
    return {
      ...r,
      dnat: dnatOf(r.region, gateways),
      env: {
        ...view(r.region),
        FEDSIM_SERVICE: r.service,
        FEDSIM_REPLICA: r.name,
        FEDSIM_ADDRESS: r.address,
        ...service.env,
      },
      hosts: regionHosts(r.region, nodes, planned.services, planned.replicas),
    };
  });
  const clients: ClientPlan[] = t.regions.map((region) => ({
    region,
    container: containerName(federation, `client-${region}`),
    address: ip(region, CLIENT_HOST),
    dnat: dnatOf(region, gateways),
    env: view(region),
  }));

  return {
    federation,
    slot,
    shape: t.shape,
    regions: [...t.regions],
    links,
    networks,
    gateways,
    nodes,
    clusters,
    monitoring,
    services: planned.services,
    replicas,
    clients,
  };
}
