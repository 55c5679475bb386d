import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectKube,
  federationExists,
  type Kube,
  placeFederation,
  podPlacement,
  removeKubeFederation,
  waitPlaced,
} from '../../src/runtime/kubernetes/cluster.js';
import { REGION_LABEL } from '../../src/runtime/kubernetes/manifests.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';
import { clusterScript, testKubeconfig } from './cluster.js';

/**
 * KWOK: 15 fake nodes in 5 regions on the real control plane (scheduler, controllers, apiserver), a
 * 5-region x 3-node federation placed on them. What is proved is placement, not data: every pod of a
 * region's StatefulSet and gateway lands on a node of that region.
 */
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
const topology = parseTopology({
  shape: 'federation',
  regions: REGIONS,
  links: { default: { latency: '20ms' } },
  clusters: REGIONS.map((r, i) => ({ name: i === 0 ? 'main' : `w-${r}`, role: i === 0 ? 'main' : 'worker', nodes: { [r]: 3 } })),
});
// KWOK's nodes carry a NoSchedule taint so nothing else lands on them by accident.
const tolerations = [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }];
const images = { cassandra: 'fedsim/cassandra:kwok', toxiproxy: 'fedsim/toxiproxy:kwok' };

describe('KWOK placement', () => {
  let kube: Kube;
  beforeAll(async () => {
    kube = await connectKube({ kubeconfig: testKubeconfig() });
    clusterScript('kwok-nodes', ...REGIONS.map((r) => `${r}=3`));
  });
  afterAll(async () => {
    if (kube) await removeKubeFederation(kube, 'kwok5');
  });

  it('15 nodes in 5 regions: a 5-region x 3-node federation is placed with every pod on a node of its own region', async () => {
    const nodes = await kube.core.listNode({ labelSelector: 'type=kwok' });
    expect(nodes.items).toHaveLength(15);
    const plan = planFederation(topology, 'kwok5', 0);
    const t0 = performance.now();
    await placeFederation(kube, plan, { images, tolerations, topologyJson: JSON.stringify(topology) });
    await waitPlaced(kube, plan, 120_000);
    const seconds = (performance.now() - t0) / 1000;
    const pods = await podPlacement(kube, 'kwok5');
    // 15 node pods and 5 gateways.
    expect(pods).toHaveLength(20);
    const regionOfPod = (pod: string) => REGIONS.find((r) => pod.includes(r));
    const wrong = pods.filter((p) => !p.node || p.region !== regionOfPod(p.pod));
    expect(wrong, JSON.stringify(wrong)).toEqual([]);
    // The three nodes of a region's cluster are on KWOK nodes of that region (labelled as such).
    for (const n of nodes.items) expect(REGIONS).toContain(n.metadata!.labels![REGION_LABEL]);
    process.stderr.write(`[figure] KWOK: 20 pods (15 nodes + 5 gateways) placed and ready on 15 nodes in ${seconds.toFixed(1)} s\n`);
  });

  it('down removes the namespace and everything in it', async () => {
    expect(await removeKubeFederation(kube, 'kwok5')).toBe(true);
    expect(await federationExists(kube, 'kwok5')).toBe(false);
    expect(await removeKubeFederation(kube, 'kwok5')).toBe(false);
  });
});
