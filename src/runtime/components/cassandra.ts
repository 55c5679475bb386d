import type { NodePlan } from '../../topology/plan.js';
import { nodeBase, nodeReadiness } from './node.js';
import type { CatalogRecord } from './record.js';

/** An Apache Cassandra node: fedsim's local image, whose entrypoint reads FEDSIM_* variables (docker/cassandra). */
export const cassandra: CatalogRecord<NodePlan> = {
  image: 'cassandra',
  container: (plan, node, image) => ({
    ...nodeBase(plan, node, image.ref),
    Env: [
      `FEDSIM_CLUSTER_NAME=${node.cluster}`,
      `FEDSIM_DC=${node.datacenter}`,
      `FEDSIM_RACK=${node.rack}`,
      `FEDSIM_SEEDS=${node.seeds.join(',')}`,
      `FEDSIM_ADDRESS=${node.address}`,
      `FEDSIM_TOKEN=${node.token}`,
      `FEDSIM_HEAP=${node.heapMb}M`,
      `FEDSIM_COMMITLOG=${node.commitlog}`,
      `FEDSIM_DNAT=${node.dnat.map((d) => `${d.to}>${d.via}`).join(' ')}`,
      `FEDSIM_PROCESSORS=${node.tuning.processors}`,
      `FEDSIM_LIGHT=${node.tuning.light ? 1 : 0}`,
      `FEDSIM_CDS=${node.tuning.cds ? 1 : 0}`,
    ],
  }),
  readiness: nodeReadiness,
};
