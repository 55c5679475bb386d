import type { NodePlan } from '../../topology/plan.js';
import { nodeBase, nodeReadiness } from './node.js';
import type { CatalogRecord } from './record.js';

/**
 * A ScyllaDB node: the official image, whose entrypoint takes flags. DC and rack come from a
 * properties file written before start, and the DNAT rules are applied by a shell before the
 * entrypoint runs.
 */
export const scylla: CatalogRecord<NodePlan> = {
  image: 'scylla',
  container: (plan, node, image) => {
    const rackdc = `dc=${node.datacenter}\\nrack=${node.rack}\\n`;
    const rules = node.dnat
      .map(
        (d) => `iptables -t nat -A OUTPUT -p tcp -d ${d.to.split(':')[0]} --dport ${d.to.split(':')[1]} -j DNAT --to-destination ${d.via}`,
      )
      .join(' && ');
    const flags = [
      '--smp 1',
      `--memory ${Math.floor(node.memoryMb * 0.75)}M`,
      '--overprovisioned 1',
      '--developer-mode 1',
      `--seeds ${node.seeds.join(',')}`,
      `--listen-address ${node.address}`,
      `--broadcast-address ${node.address}`,
      `--broadcast-rpc-address ${node.address}`,
      '--endpoint-snitch GossipingPropertyFileSnitch',
      `--cluster-name ${node.cluster}`,
    ].join(' ');
    return {
      ...nodeBase(plan, node, image.ref),
      Entrypoint: ['/bin/bash', '-c'],
      Cmd: [
        `printf '${rackdc}' > /etc/scylla/cassandra-rackdc.properties; ${rules ? `${rules} && ` : ''}exec /docker-entrypoint.py ${flags}`,
      ],
    };
  },
  readiness: nodeReadiness,
};
