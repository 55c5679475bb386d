import { createHash } from 'node:crypto';
import type {
  V1ConfigMap,
  V1Deployment,
  V1Namespace,
  V1ObjectMeta,
  V1PodSpec,
  V1Service,
  V1StatefulSet,
  V1Toleration,
} from '@kubernetes/client-node';
import { CQL_PORT, type GatewayPlan, NODE_METRICS_PORT, type NodePlan, PEER_PORT, type Plan } from '../../topology/plan.js';
import { LABEL } from '../labels.js';

/**
 * A federation's plan as Kubernetes objects: a pure function, like the plan itself. Kubernetes gives
 * addresses only when a Service is created, so placement is two steps: `addressObjects` (the
 * namespace and one ClusterIP Service per node and per gateway: the stable addresses that stand for
 * the plan's), then `workloadObjects` with the addresses the cluster gave them (every plan address in
 * env, seeds, DNAT rules and gateway upstreams rewritten to its Service's).
 *
 * A region is the node label `topology.kubernetes.io/region`; each cluster's nodes in a region are a
 * StatefulSet pinned there; each region's gateway a one-replica Deployment pinned there.
 */

export const REGION_LABEL = 'topology.kubernetes.io/region';
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'fedsim' } as const;
/** What a pod of the node StatefulSets and the gateways' Deployments carries to be found again. */
const ROLE_NODE = 'node';
const ROLE_GATEWAY = 'gateway';

export interface KubeImages {
  cassandra: string;
  toxiproxy: string;
}

export interface KubeOptions {
  images: KubeImages;
  /** Extra tolerations for every pod (KWOK's fake nodes are tainted). */
  tolerations?: V1Toleration[];
  /** IfNotPresent (images loaded into the nodes, or pulled) unless told otherwise. */
  imagePullPolicy?: 'IfNotPresent' | 'Never' | 'Always';
}

export function namespaceOf(federation: string): string {
  return `fedsim-${federation}`;
}

/** A Kubernetes object name of at most `max` characters: the name itself, or its start and a hash. */
export function kubeName(name: string, max = 52): string {
  if (name.length <= max) return name;
  const h = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, max - 9).replace(/-+$/, '')}-${h}`;
}

/** Labels of every object of a federation (Kubernetes' own and fedsim's, as on Docker). */
export function kubeLabels(federation: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...MANAGED_BY, [LABEL.managed]: 'true', [LABEL.federation]: federation, ...extra };
}

export function statefulSetName(cluster: string, region: string): string {
  // The controller's revision label is `<name>-<hash>` and must stay within 63 characters.
  return kubeName(`${cluster}-${region}`, 52);
}

/** The Service that stands for a node's plan address. */
export function nodeServiceName(node: string): string {
  return kubeName(node, 63);
}

export function gatewayServiceName(region: string): string {
  return kubeName(`gw-${region}`, 63);
}

/** The StatefulSets: one per cluster and region, with its nodes in plan order. */
export function nodeGroups(plan: Plan): { name: string; cluster: string; region: string; nodes: NodePlan[] }[] {
  const groups = new Map<string, { name: string; cluster: string; region: string; nodes: NodePlan[] }>();
  for (const n of plan.nodes) {
    const name = statefulSetName(n.cluster, n.region);
    const g = groups.get(name) ?? { name, cluster: n.cluster, region: n.region, nodes: [] };
    g.nodes.push(n);
    groups.set(name, g);
  }
  return [...groups.values()];
}

/** The pod that runs a node: `<statefulset>-<ordinal>`. */
export function podOf(plan: Plan, node: string): string {
  for (const g of nodeGroups(plan)) {
    const i = g.nodes.findIndex((n) => n.name === node);
    if (i >= 0) return `${g.name}-${i}`;
  }
  throw new Error(`no node ${node} in the plan`);
}

function meta(plan: Plan, name: string, extra: Record<string, string> = {}): V1ObjectMeta {
  return { name, namespace: namespaceOf(plan.federation), labels: kubeLabels(plan.federation, extra) };
}

/** Step 1: the namespace and the Services whose ClusterIPs stand for the plan's addresses. */
export function addressObjects(plan: Plan, topologyJson: string): { namespace: V1Namespace; services: V1Service[] } {
  const namespace: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespaceOf(plan.federation),
      labels: kubeLabels(plan.federation),
      // The topology travels with the federation (as on Docker's gateways), so status/down can re-plan it.
      annotations: { [LABEL.topology]: topologyJson, [LABEL.slot]: String(plan.slot) },
    },
  };
  const services: V1Service[] = [];
  for (const g of nodeGroups(plan)) {
    g.nodes.forEach((n, i) => {
      services.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta(plan, nodeServiceName(n.name), {
          [LABEL.role]: ROLE_NODE,
          [LABEL.region]: n.region,
          [LABEL.cluster]: n.cluster,
          [LABEL.node]: n.name,
        }),
        spec: {
          type: 'ClusterIP',
          // A node is reachable (gossip) before it is ready (CQL).
          publishNotReadyAddresses: true,
          selector: { 'statefulset.kubernetes.io/pod-name': `${g.name}-${i}`, [LABEL.federation]: plan.federation },
          ports: [
            { name: 'cql', port: CQL_PORT, targetPort: CQL_PORT },
            { name: 'peer', port: PEER_PORT, targetPort: PEER_PORT },
            { name: 'metrics', port: NODE_METRICS_PORT, targetPort: NODE_METRICS_PORT },
          ],
        },
      });
    });
  }
  for (const gw of plan.gateways) {
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(plan, gatewayServiceName(gw.region), { [LABEL.role]: ROLE_GATEWAY, [LABEL.region]: gw.region }),
      spec: {
        type: 'ClusterIP',
        selector: { [LABEL.role]: ROLE_GATEWAY, [LABEL.region]: gw.region, [LABEL.federation]: plan.federation },
        ports: [
          { name: 'api', port: gw.apiPort, targetPort: gw.apiPort },
          ...gw.proxies.map((p) => ({ name: `p${p.listenPort}`, port: p.listenPort, targetPort: p.listenPort })),
        ],
      },
    });
  }
  return { namespace, services };
}

/**
 * Plan address -> the ClusterIP of the Service that stands for it. Every gateway has one address per
 * region on Docker (it is attached to every region's network); here one Service serves them all.
 */
export function addressMap(plan: Plan, clusterIPs: Record<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  const ipOf = (service: string) => {
    const ip = clusterIPs[service];
    if (!ip) throw new Error(`no ClusterIP for Service ${service}`);
    return ip;
  };
  for (const n of plan.nodes) map.set(n.address, ipOf(nodeServiceName(n.name)));
  for (const gw of plan.gateways) for (const a of Object.values(gw.addresses)) map.set(a, ipOf(gatewayServiceName(gw.region)));
  return map;
}

/** `address` or `address:port` with the address translated. */
function translate(map: Map<string, string>, hostPort: string): string {
  const [host, port] = hostPort.split(':');
  const to = map.get(host!);
  if (!to) throw new Error(`the plan address ${host} has no Service`);
  return port === undefined ? to : `${to}:${port}`;
}

/** A node's FEDSIM_* environment (docker/cassandra/entrypoint.sh's contract), addresses translated. */
export function nodeEnv(node: NodePlan, map: Map<string, string>): Record<string, string> {
  return {
    FEDSIM_CLUSTER_NAME: node.cluster,
    FEDSIM_DC: node.datacenter,
    FEDSIM_RACK: node.rack,
    FEDSIM_SEEDS: node.seeds.map((s) => translate(map, s)).join(','),
    // FEDSIM_ADDRESS stays unset: the node listens on its pod's address and is known by its Service's.
    FEDSIM_BROADCAST: translate(map, node.address),
    FEDSIM_TOKEN: node.token,
    FEDSIM_HEAP: `${node.heapMb}M`,
    FEDSIM_COMMITLOG: node.commitlog,
    FEDSIM_DNAT: node.dnat.map((d) => `${translate(map, d.to)}>${translate(map, d.via)}`).join(' '),
  };
}

/** A gateway's proxies with their upstreams translated (toxics and listen ports as planned). */
export function gatewayOnKube(gw: GatewayPlan, map: Map<string, string>): GatewayPlan {
  return { ...gw, proxies: gw.proxies.map((p) => ({ ...p, upstream: translate(map, p.upstream) })) };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ENV_DIR = '/etc/fedsim/nodes';

/** Step 2: per-pod environment, the node StatefulSets and the gateways, for the addresses given. */
export function workloadObjects(
  plan: Plan,
  clusterIPs: Record<string, string>,
  opts: KubeOptions,
): { configMaps: V1ConfigMap[]; statefulSets: V1StatefulSet[]; deployments: V1Deployment[] } {
  const map = addressMap(plan, clusterIPs);
  const pull = opts.imagePullPolicy ?? 'IfNotPresent';
  const configMaps: V1ConfigMap[] = [];
  const statefulSets: V1StatefulSet[] = [];
  for (const g of nodeGroups(plan)) {
    const labels = { [LABEL.role]: ROLE_NODE, [LABEL.region]: g.region, [LABEL.cluster]: g.cluster };
    // A StatefulSet's pods share one template; each pod reads its own node's variables by its name.
    const data: Record<string, string> = {};
    g.nodes.forEach((n, i) => {
      const env = nodeEnv(n, map);
      data[`${g.name}-${i}`] = `${Object.entries(env)
        .map(([k, v]) => `${k}=${shellQuote(v)}`)
        .join('\n')}\n`;
    });
    configMaps.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(plan, `${g.name}-env`, labels), data });
    const memoryMb = Math.max(...g.nodes.map((n) => n.memoryMb));
    const pod: V1PodSpec = {
      nodeSelector: { [REGION_LABEL]: g.region },
      ...(opts.tolerations?.length && { tolerations: opts.tolerations }),
      // A killed node is gone at once, as `docker kill` on Docker.
      terminationGracePeriodSeconds: 10,
      enableServiceLinks: false,
      containers: [
        {
          name: 'node',
          image: opts.images.cassandra,
          imagePullPolicy: pull,
          command: ['/bin/bash', '-c', `set -a; . ${ENV_DIR}/"$HOSTNAME"; set +a; exec /usr/local/bin/fedsim-cassandra`],
          ports: [
            { name: 'cql', containerPort: CQL_PORT },
            { name: 'peer', containerPort: PEER_PORT },
            { name: 'metrics', containerPort: NODE_METRICS_PORT },
          ],
          // NET_ADMIN: cross-region peer traffic is redirected to the gateway by iptables DNAT rules.
          securityContext: { capabilities: { add: ['NET_ADMIN'] } },
          resources: {
            limits: { memory: `${memoryMb}Mi` },
            requests: { memory: `${Math.max(...g.nodes.map((n) => n.heapMb))}Mi`, cpu: '100m' },
          },
          readinessProbe: { tcpSocket: { port: CQL_PORT }, periodSeconds: 2, failureThreshold: 1 },
          volumeMounts: [
            { name: 'env', mountPath: ENV_DIR, readOnly: true },
            { name: 'data', mountPath: '/var/lib/cassandra' },
          ],
        },
      ],
      volumes: [
        { name: 'env', configMap: { name: `${g.name}-env` } },
        { name: 'data', emptyDir: {} },
      ],
    };
    statefulSets.push({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(plan, g.name, labels),
      spec: {
        replicas: g.nodes.length,
        serviceName: nodeServiceName(g.nodes[0]!.name),
        // All at once, as on Docker: every node is a seed of the others.
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { [LABEL.federation]: plan.federation, ...labels } },
        template: { metadata: { labels: kubeLabels(plan.federation, labels) }, spec: pod },
      },
    });
  }
  const deployments: V1Deployment[] = plan.gateways.map((gw) => {
    const labels = { [LABEL.role]: ROLE_GATEWAY, [LABEL.region]: gw.region };
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(plan, gatewayServiceName(gw.region), labels),
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { [LABEL.federation]: plan.federation, ...labels } },
        template: {
          metadata: { labels: kubeLabels(plan.federation, labels) },
          spec: {
            nodeSelector: { [REGION_LABEL]: gw.region },
            ...(opts.tolerations?.length && { tolerations: opts.tolerations }),
            enableServiceLinks: false,
            containers: [
              {
                name: 'gateway',
                image: opts.images.toxiproxy,
                imagePullPolicy: pull,
                ports: [{ name: 'api', containerPort: gw.apiPort }],
                resources: { limits: { memory: '128Mi' }, requests: { memory: '32Mi', cpu: '50m' } },
                readinessProbe: { httpGet: { path: '/version', port: gw.apiPort }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
  });
  return { configMaps, statefulSets, deployments };
}
