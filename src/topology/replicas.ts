import type { Readiness, ServiceSpec } from './services.js';

/**
 * The clients of a region, planned: the user's service replicas and the region's `exec` client.
 * Each stands in its region's network; its connections to nodes and replicas of other regions are
 * redirected (iptables DNAT in its network namespace) to its own region's gateway, so any program in
 * any language pays the links without knowing it. Pure, like the rest of the plan.
 */

/** A connection to `to` (address:port) goes to `via` (this region's gateway:proxy port) instead. */
export interface DnatRule {
  to: string;
  via: string;
}

export interface ServicePlan {
  name: string;
  /** As written in the topology: an image reference, or a directory to build. */
  image?: string;
  build?: string;
  /** One of fedsim's own recipes (topology/services.ts SERVICE_COMPONENTS). */
  component?: string;
  command?: string[];
  env: Record<string, string>;
  ports: { port: number; host?: number }[];
  ready?: Readiness;
  after: string[];
  /** Where each replica serves Prometheus metrics, scraped with `monitoring: on`. */
  metrics?: { port: number; path: string };
  /** Where each replica answers the Prometheus query API: a Grafana datasource per replica. */
  datasource?: { port: number; path: string };
  /** Start order: wave 0 starts once the clusters are ready, wave n once wave n-1 is. */
  wave: number;
  replicas: string[];
}

export interface ReplicaPlan {
  /** `<service>-<region>-<n>`. */
  name: string;
  service: string;
  region: string;
  /** The container that runs the service's image. */
  container: string;
  /** fedsim's container holding the replica's network namespace: its address, published ports and DNAT rules. */
  netns: string;
  address: string;
  ports: { port: number; host?: number }[];
  dnat: DnatRule[];
  /** The FEDSIM_* variables (the region's view, and the replica's own), then the service's env. */
  env: Record<string, string>;
  /** /etc/hosts of the replica: every node and replica by name, and each service's nearest replica. */
  hosts: Record<string, string>;
}

/** The region's client namespace for `fedsim exec`: an address in the region and the same DNAT rules. */
export interface ClientPlan {
  region: string;
  container: string;
  address: string;
  dnat: DnatRule[];
  env: Record<string, string>;
}

/** Where replicas live in a region's /24, away from the bridge (.1), gateways (.2, .100+), monitoring (.4-.6) and nodes (.11+). */
export const REPLICA_HOST_BASE = 150;
export const MAX_REPLICAS_PER_REGION = 100;
/** The region's exec client. */
export const CLIENT_HOST = 3;

/** FEDSIM_CLUSTER_<NAME>_...: a name in an environment variable (dashes become underscores). */
export function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

interface NodeLike {
  name: string;
  cluster: string;
  region: string;
  address: string;
}

interface ClusterLike {
  name: string;
  regions: string[];
  nodes: string[];
}

/** The replicas of every service, addressed from .150 of their region, in topology order. */
export function planReplicas(
  services: ServiceSpec[],
  federation: string,
  ip: (region: string, host: number) => string,
  containerName: (federation: string, what: string) => string,
): { services: ServicePlan[]; replicas: Omit<ReplicaPlan, 'dnat' | 'env' | 'hosts'>[] } {
  const perRegion = new Map<string, number>();
  const replicas: Omit<ReplicaPlan, 'dnat' | 'env' | 'hosts'>[] = [];
  const wave = new Map<string, number>();
  const byName = new Map(services.map((s) => [s.name, s]));
  const waveOf = (n: string): number => {
    const known = wave.get(n);
    if (known !== undefined) return known;
    const deps = (byName.get(n)?.after ?? []).filter((a) => byName.has(a) && a !== n);
    const w = deps.length ? Math.max(...deps.map(waveOf)) + 1 : 0;
    wave.set(n, w);
    return w;
  };
  const plans = services.map((s): ServicePlan => {
    const names: string[] = [];
    for (const [region, count] of Object.entries(s.regions)) {
      for (let i = 0; i < count; i++) {
        const k = perRegion.get(region) ?? 0;
        if (k >= MAX_REPLICAS_PER_REGION) throw new Error(`more than ${MAX_REPLICAS_PER_REGION} replicas in ${region}`);
        perRegion.set(region, k + 1);
        const name = `${s.name}-${region}-${i + 1}`;
        names.push(name);
        replicas.push({
          name,
          service: s.name,
          region,
          container: containerName(federation, name),
          netns: containerName(federation, `${name}-net`),
          address: ip(region, REPLICA_HOST_BASE + k),
          ports: s.ports,
        });
      }
    }
    return {
      name: s.name,
      ...(s.image !== undefined && { image: s.image }),
      ...(s.build !== undefined && { build: s.build }),
      ...(s.component !== undefined && { component: s.component }),
      ...(s.command !== undefined && { command: s.command }),
      env: s.env,
      ports: s.ports,
      ...(s.ready !== undefined && { ready: s.ready }),
      after: s.after,
      ...(s.metrics !== undefined && { metrics: s.metrics }),
      ...(s.datasource !== undefined && { datasource: s.datasource }),
      wave: waveOf(s.name),
      replicas: names,
    };
  });
  return { services: plans, replicas };
}

/**
 * The DNAT rules of a client in `region`: every node and replica port of another region, to the
 * gateway proxy of `region` that leads there. Inside the region nothing is redirected.
 */
export function dnatOf(
  region: string,
  gateways: {
    region: string;
    addresses: Record<string, string>;
    proxies: { kind: string; toRegion: string; upstream: string; listenPort: number }[];
  }[],
): DnatRule[] {
  const gw = gateways.find((g) => g.region === region);
  if (!gw) return [];
  return gw.proxies
    .filter((p) => (p.kind === 'cql' || p.kind === 'svc') && p.toRegion !== region)
    .map((p) => ({ to: p.upstream, via: `${gw.addresses[region]}:${p.listenPort}` }));
}

/** The replica a client in `region` reaches by the service's name: its own region's first, else the first one. */
function nearest<R extends { service: string; region: string }>(replicas: R[], service: string, region: string): R | undefined {
  const all = replicas.filter((r) => r.service === service);
  return all.find((r) => r.region === region) ?? all[0];
}

/** The datacenter a client in `region` calls local for a cluster: its own where the cluster has one, else the cluster's first. */
export function localDatacenter(cluster: { regions: string[] }, region: string): string {
  return cluster.regions.includes(region) ? region : cluster.regions[0]!;
}

/**
 * The federation as a client in `region` sees it, as environment variables (documented in the
 * README): the region, every cluster's contact points (the nodes' own addresses, port 9042: in this
 * region where the cluster has nodes here, else all of them) and the datacenter a driver there should
 * call local, and every service's nearest replica and all replicas.
 */
export function regionEnv(
  federation: string,
  region: string,
  regions: string[],
  clusters: ClusterLike[],
  nodes: NodeLike[],
  services: ServicePlan[],
  replicas: { name: string; service: string; region: string; address: string }[],
  cqlPort: number,
): Record<string, string> {
  const env: Record<string, string> = {
    FEDSIM_FEDERATION: federation,
    FEDSIM_REGION: region,
    FEDSIM_REGIONS: regions.join(','),
    FEDSIM_CLUSTERS: clusters.map((c) => c.name).join(','),
    FEDSIM_SERVICES: services.map((s) => s.name).join(','),
  };
  for (const c of clusters) {
    const mine = nodes.filter((n) => n.cluster === c.name);
    const here = mine.filter((n) => n.region === region);
    const contact = here.length ? here : mine;
    env[`FEDSIM_CLUSTER_${envName(c.name)}_CONTACT_POINTS`] = contact.map((n) => `${n.address}:${cqlPort}`).join(',');
    env[`FEDSIM_CLUSTER_${envName(c.name)}_DATACENTER`] = localDatacenter(c, region);
  }
  for (const s of services) {
    const near = nearest(replicas, s.name, region);
    if (!near) continue;
    env[`FEDSIM_SERVICE_${envName(s.name)}_ADDRESS`] = near.address;
    env[`FEDSIM_SERVICE_${envName(s.name)}_ADDRESSES`] = replicas
      .filter((r) => r.service === s.name)
      .map((r) => `${r.region}=${r.address}`)
      .join(',');
    if (s.ports.length) env[`FEDSIM_SERVICE_${envName(s.name)}_PORTS`] = s.ports.map((p) => p.port).join(',');
  }
  return env;
}

/** /etc/hosts of a client in `region`: nodes and replicas by name, and each service by its nearest replica. */
export function regionHosts(
  region: string,
  nodes: NodeLike[],
  services: ServicePlan[],
  replicas: { name: string; service: string; region: string; address: string }[],
): Record<string, string> {
  const hosts: Record<string, string> = {};
  for (const n of nodes) hosts[n.name] = n.address;
  for (const r of replicas) hosts[r.name] = r.address;
  for (const s of services) {
    const near = nearest(replicas, s.name, region);
    if (near) hosts[s.name] = near.address;
  }
  return hosts;
}
