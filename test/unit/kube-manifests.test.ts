import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot as root } from '../../src/paths.js';
import {
  addressMap,
  addressObjects,
  gatewayOnKube,
  kubeName,
  namespaceOf,
  nodeGroups,
  podOf,
  REGION_LABEL,
  workloadObjects,
} from '../../src/runtime/kubernetes/manifests.js';
import { loadTopology } from '../../src/topology/file.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';

const images = { cassandra: 'fedsim/cassandra:t', toxiproxy: 'fedsim/toxiproxy:t' };
const five = parseTopology({
  shape: 'federation',
  regions: ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'],
  links: { default: { latency: '20ms' } },
  clusters: [
    { name: 'main', role: 'main', nodes: { 'eu-west': 3 } },
    { name: 'w-ec', role: 'worker', nodes: { 'eu-central': 3 } },
    { name: 'w-ue', role: 'worker', nodes: { 'us-east': 3 } },
    { name: 'w-uw', role: 'worker', nodes: { 'us-west': 3 } },
    { name: 'w-ap', role: 'worker', nodes: { 'ap-south': 3 } },
  ],
});

/** Fake ClusterIPs, one per Service, as the cluster would give them. */
function ips(services: { metadata?: { name?: string } }[]): Record<string, string> {
  return Object.fromEntries(services.map((s, i) => [s.metadata!.name!, `10.96.${Math.floor(i / 200)}.${(i % 200) + 10}`]));
}

describe('kubernetes placement', () => {
  const examples = ['two-region-federation', 'three-region-federation', 'stretched-pair'].map((t) => ({
    name: t,
    plan: planFederation(loadTopology(join(root, `topologies/${t}.yaml`)), 'kx', 3),
  }));

  it.each(examples)('$name: a Service per node and per gateway, every object in the namespace and labelled', ({ plan }) => {
    const { namespace, services } = addressObjects(plan, '{}');
    expect(namespace.metadata!.name).toBe(namespaceOf('kx'));
    expect(services).toHaveLength(plan.nodes.length + plan.gateways.length);
    const w = workloadObjects(plan, ips(services), { images });
    for (const o of [namespace, ...services, ...w.configMaps, ...w.statefulSets, ...w.deployments]) {
      expect(o.metadata!.labels!['app.kubernetes.io/managed-by']).toBe('fedsim');
      expect(o.metadata!.labels!['io.fedsim.federation']).toBe('kx');
      if (o.kind !== 'Namespace') expect(o.metadata!.namespace).toBe('fedsim-kx');
    }
  });

  it.each(examples)('$name: each cluster x region is one StatefulSet pinned to its region, with its node count', ({ plan }) => {
    const { services } = addressObjects(plan, '{}');
    const { statefulSets, deployments } = workloadObjects(plan, ips(services), { images });
    const expected = new Map<string, number>();
    for (const n of plan.nodes) expected.set(`${n.cluster}/${n.region}`, (expected.get(`${n.cluster}/${n.region}`) ?? 0) + 1);
    expect(statefulSets).toHaveLength(expected.size);
    for (const s of statefulSets) {
      const key = `${s.metadata!.labels!['io.fedsim.cluster']}/${s.metadata!.labels!['io.fedsim.region']}`;
      expect(s.spec!.replicas).toBe(expected.get(key));
      expect(s.spec!.template.spec!.nodeSelector).toEqual({ [REGION_LABEL]: s.metadata!.labels!['io.fedsim.region'] });
      // The selector picks the template's pods only.
      for (const [k, v] of Object.entries(s.spec!.selector.matchLabels!)) expect(s.spec!.template.metadata!.labels![k]).toBe(v);
    }
    expect(deployments.map((d) => d.spec!.template.spec!.nodeSelector![REGION_LABEL])).toEqual(plan.regions);
  });

  it('every plan address in a node environment and a gateway upstream becomes its Service address', () => {
    // The stretched pair: its nodes have cross-region peers.
    const plan = examples[2]!.plan;
    const { services } = addressObjects(plan, '{}');
    const clusterIPs = ips(services);
    const { configMaps } = workloadObjects(plan, clusterIPs, { images });
    const env = configMaps.flatMap((c) => Object.values(c.data!)).join('\n');
    const planAddresses = [...plan.nodes.map((n) => n.address), ...plan.gateways.flatMap((g) => Object.values(g.addresses))];
    for (const a of planAddresses) expect(env).not.toMatch(new RegExp(`\\b${a.replace(/\./g, '\\.')}\\b`));
    const map = addressMap(plan, clusterIPs);
    for (const gw of plan.gateways) {
      const k = gatewayOnKube(gw, map);
      for (const p of k.proxies) expect(Object.values(clusterIPs)).toContain(p.upstream.split(':')[0]);
      expect(k.proxies.map((p) => p.listenPort)).toEqual(gw.proxies.map((p) => p.listenPort));
    }
    // A node's DNAT rules send each remote peer's Service address to its own region's gateway Service.
    const node = plan.nodes.find((n) => n.dnat.length)!;
    const pod = podOf(plan, node.name);
    const line = configMaps.map((c) => c.data![pod]).find(Boolean)!;
    const gwIp = clusterIPs[`gw-${node.region}`];
    expect(line).toMatch(new RegExp(`FEDSIM_DNAT='[^']*>${gwIp!.replace(/\./g, '\\.')}:21\\d{3}`));
    expect(line).toContain(`FEDSIM_BROADCAST='${clusterIPs[node.name]}'`);
  });

  it('5 regions x 3 nodes: 15 pods in 5 StatefulSets, each pinned to its own region', () => {
    const plan = planFederation(five, 'five', 0);
    const groups = nodeGroups(plan);
    expect(groups.map((g) => [g.region, g.nodes.length])).toEqual(five.regions.map((r) => [r, 3]));
    const { services } = addressObjects(plan, '{}');
    const { statefulSets } = workloadObjects(plan, ips(services), { images, tolerations: [{ operator: 'Exists' }] });
    expect(statefulSets.reduce((a, s) => a + s.spec!.replicas!, 0)).toBe(15);
    expect(statefulSets[0]!.spec!.template.spec!.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  it('names longer than Kubernetes allows are shortened, stay unique and end in a letter or digit', () => {
    const long = 'a'.repeat(32);
    const a = kubeName(`${long}-${'b'.repeat(30)}`);
    const b = kubeName(`${long}-${'c'.repeat(30)}`);
    expect(a.length).toBeLessThanOrEqual(52);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(kubeName('short')).toBe('short');
  });
});
