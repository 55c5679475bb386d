import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1Service,
  type V1Toleration,
  VersionApi,
} from '@kubernetes/client-node';
import { sleep } from '../../common/sleep.js';
import { FedsimError, reason } from '../../errors.js';
import type { Plan } from '../../topology/plan.js';
import { LABEL } from '../labels.js';
import {
  addressMap,
  addressObjects,
  gatewayOnKube,
  gatewayServiceName,
  type KubeImages,
  namespaceOf,
  nodeGroups,
  REGION_LABEL,
  workloadObjects,
} from './manifests.js';

/** A Kubernetes cluster fedsim has reached: the second engine beside Docker's. */
export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  objects: KubernetesObjectApi;
  context: string;
  server: string;
  version: string;
}

export interface KubeTarget {
  kubeconfig?: string;
  context?: string;
}

/** The kubeconfig file used: --kubeconfig, else $KUBECONFIG's first, else ~/.kube/config. */
export function kubeconfigPath(target: KubeTarget): string {
  return target.kubeconfig ?? process.env.KUBECONFIG?.split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
}

function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref()),
  ]).catch((err) => {
    throw new FedsimError(`${what}: ${reason(err)}.`);
  });
}

/** Reaches the cluster; a FedsimError (one sentence) when the file, the context or the cluster is not there. */
export async function connectKube(target: KubeTarget, timeoutMs = 10_000): Promise<Kube> {
  const file = kubeconfigPath(target);
  if (!existsSync(file)) throw new FedsimError(`No kubeconfig at ${file}; pass --kubeconfig FILE or set KUBECONFIG.`);
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (err) {
    throw new FedsimError(`The kubeconfig ${file} cannot be read: ${reason(err)}.`);
  }
  if (target.context) {
    if (!config.getContextObject(target.context)) {
      const known = config.getContexts().map((c) => c.name);
      throw new FedsimError(
        `The kubeconfig ${file} has no context "${target.context}"; ${known.length ? `its contexts are ${known.join(', ')}` : 'it has none'}.`,
      );
    }
    config.setCurrentContext(target.context);
  }
  const context = config.getCurrentContext();
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new FedsimError(`The kubeconfig ${file} names no cluster for context "${context}".`);
  const info = await within(
    timeoutMs,
    config.makeApiClient(VersionApi).getCode(),
    `No Kubernetes cluster answers at ${server} (context ${context})`,
  );
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
    context,
    server,
    version: info.gitVersion,
  };
}

function status(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e?.code ?? e?.statusCode ?? e?.response?.statusCode;
}

/** Regions that have at least one node (label topology.kubernetes.io/region). */
export async function regionsWithNodes(kube: Kube): Promise<Set<string>> {
  const nodes = await kube.core.listNode({ labelSelector: REGION_LABEL });
  return new Set(nodes.items.map((n) => n.metadata?.labels?.[REGION_LABEL]).filter((r): r is string => !!r));
}

/** Refuses, before anything is created, a topology that names a region no node of the cluster is in. */
export async function checkRegions(kube: Kube, regions: string[]): Promise<void> {
  const have = await regionsWithNodes(kube);
  const missing = regions.filter((r) => !have.has(r));
  if (missing.length)
    throw new FedsimError(
      `No node of the cluster (context ${kube.context}) is labelled ${missing.map((r) => `${REGION_LABEL}=${r}`).join(' or ')}; ${
        have.size ? `its regions are ${[...have].join(', ')}` : 'none of its nodes has a region label'
      }.`,
    );
}

export async function federationExists(kube: Kube, federation: string): Promise<boolean> {
  try {
    await kube.core.readNamespace({ name: namespaceOf(federation) });
    return true;
  } catch (err) {
    if (status(err) === 404) return false;
    throw err;
  }
}

async function createAll(kube: Kube, objects: KubernetesObject[]): Promise<void> {
  for (const o of objects) await kube.objects.create(o);
}

export interface PlaceOptions {
  images: KubeImages;
  tolerations?: V1Toleration[];
  topologyJson: string;
}

/**
 * Places a federation's plan: the namespace and address Services first, then (with the addresses the
 * cluster gave) the per-pod environment, the node StatefulSets and the gateways. Does not wait.
 */
export async function placeFederation(kube: Kube, plan: Plan, opts: PlaceOptions): Promise<{ clusterIPs: Record<string, string> }> {
  const { namespace, services } = addressObjects(plan, opts.topologyJson);
  await kube.objects.create(namespace);
  await createAll(kube, services);
  const clusterIPs = await serviceAddresses(kube, plan.federation);
  const w = workloadObjects(plan, clusterIPs, { images: opts.images, tolerations: opts.tolerations });
  await createAll(kube, [...w.configMaps, ...w.deployments, ...w.statefulSets]);
  return { clusterIPs };
}

/** Service name -> ClusterIP, for a federation's Services. */
export async function serviceAddresses(kube: Kube, federation: string): Promise<Record<string, string>> {
  const list = await kube.core.listNamespacedService({ namespace: namespaceOf(federation) });
  return Object.fromEntries(list.items.map((s: V1Service) => [s.metadata!.name!, s.spec!.clusterIP!]));
}

/** Waits until every StatefulSet's and gateway's pods are ready; names what is not when time runs out. */
export async function waitPlaced(kube: Kube, plan: Plan, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const namespace = namespaceOf(plan.federation);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const sets = (await kube.apps.listNamespacedStatefulSet({ namespace })).items;
    const deps = (await kube.apps.listNamespacedDeployment({ namespace })).items;
    const waiting = [
      ...sets.filter((s) => (s.status?.readyReplicas ?? 0) < (s.spec?.replicas ?? 0)).map((s) => s.metadata!.name!),
      ...deps.filter((d) => (d.status?.readyReplicas ?? 0) < (d.spec?.replicas ?? 0)).map((d) => d.metadata!.name!),
    ];
    if (!waiting.length && sets.length === nodeGroups(plan).length && deps.length === plan.gateways.length) return;
    if (Date.now() > deadline)
      throw new FedsimError(`Not ready on Kubernetes after ${timeoutMs / 1000} s: ${waiting.join(', ') || 'objects missing'}.`);
    await sleep(500);
  }
}

/** Pod name -> the node (Kubernetes node) it runs on and that node's region. */
export async function podPlacement(kube: Kube, federation: string): Promise<{ pod: string; node: string; region?: string }[]> {
  const namespace = namespaceOf(federation);
  const [pods, nodes] = await Promise.all([kube.core.listNamespacedPod({ namespace }), kube.core.listNode()]);
  const regionOf = new Map(nodes.items.map((n) => [n.metadata!.name!, n.metadata?.labels?.[REGION_LABEL]]));
  return pods.items.map((p) => ({
    pod: p.metadata!.name!,
    node: p.spec?.nodeName ?? '',
    region: p.spec?.nodeName ? regionOf.get(p.spec.nodeName) : undefined,
  }));
}

/** The federations on the cluster: namespaces labelled by fedsim, with their topology annotation. */
export async function kubeFederations(kube: Kube): Promise<{ name: string; namespace: string; topologyJson?: string }[]> {
  const list = await kube.core.listNamespace({ labelSelector: `${LABEL.managed}=true` });
  return list.items.map((n) => ({
    name: n.metadata!.labels![LABEL.federation]!,
    namespace: n.metadata!.name!,
    topologyJson: n.metadata?.annotations?.[LABEL.topology],
  }));
}

/**
 * Removes a federation: its namespace (and so everything in it; fedsim creates nothing
 * cluster-scoped), waiting until it is gone. False when there was nothing to remove.
 */
export async function removeKubeFederation(kube: Kube, federation: string, timeoutMs = 180_000): Promise<boolean> {
  const name = namespaceOf(federation);
  try {
    await kube.core.deleteNamespace({ name, body: { propagationPolicy: 'Background', gracePeriodSeconds: 0 } });
  } catch (err) {
    if (status(err) === 404) return false;
    throw err;
  }
  const deadline = Date.now() + timeoutMs;
  while (await federationExists(kube, federation)) {
    if (Date.now() > deadline) throw new FedsimError(`The namespace ${name} was still being removed after ${timeoutMs / 1000} s.`);
    await sleep(500);
  }
  return true;
}

/**
 * A local HTTP address for a gateway's Toxiproxy API, through the apiserver's service proxy: the
 * gateway code (configureGateway, GatewayApi) talks plain HTTP to it, as on Docker's published port.
 */
export async function gatewayApiForward(
  kube: Kube,
  federation: string,
  region: string,
  apiPort: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const base = new URL(kube.server);
  const prefix = `/api/v1/namespaces/${namespaceOf(federation)}/services/http:${gatewayServiceName(region)}:${apiPort}/proxy`;
  const tls: RequestOptions = {};
  await kube.config.applyToHTTPSOptions(tls);
  const server: Server = createServer((req, res) => {
    const up = httpsRequest(
      {
        ...tls,
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port || 443,
        method: req.method,
        path: `${base.pathname.replace(/\/$/, '')}${prefix}${req.url}`,
        headers: { ...tls.headers, 'content-type': req.headers['content-type'] ?? 'application/json' },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      res.writeHead(502);
      res.end(reason(err));
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The gateways' plans as placed: upstreams at the Services' addresses. */
export function placedGateways(plan: Plan, clusterIPs: Record<string, string>) {
  const map = addressMap(plan, clusterIPs);
  return plan.gateways.map((g) => gatewayOnKube(g, map));
}
