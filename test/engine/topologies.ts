import type { TopologyInput } from '../../src/topology/schema.js';

/** A Main Cluster in us-east-1 and a Worker Cluster in eu-west-1, one node each, 100 ms east->west and 40 ms back. */
export const duo: TopologyInput = {
  shape: 'federation',
  regions: ['us-east-1', 'eu-west-1'],
  links: {
    pairs: [
      { from: 'us-east-1', to: 'eu-west-1', latency: '100ms' },
      { from: 'eu-west-1', to: 'us-east-1', latency: '40ms' },
    ],
  },
  clusters: [
    { name: 'main', role: 'main', nodes: { 'us-east-1': 1 } },
    { name: 'worker-eu', role: 'worker', nodes: { 'eu-west-1': 1 } },
  ],
  keyspaces: [{ name: 'app', replication: 1 }],
};

/** One cluster stretched over two sites, a node each, 30 ms between them. */
export const pair: TopologyInput = {
  shape: 'stretched',
  regions: ['site-a', 'site-b'],
  links: { default: { latency: '30ms' } },
  clusters: [{ name: 'geo', nodes: { 'site-a': 1, 'site-b': 1 } }],
  keyspaces: [{ name: 'app', replication: { 'site-a': 1, 'site-b': 1 } }],
};

/** One cluster of two nodes in one region, every row on both (RF 2): the smallest whose membership can change. */
export const ring: TopologyInput = {
  shape: 'federation',
  regions: ['us-east-1'],
  clusters: [{ name: 'main', role: 'main', nodes: { 'us-east-1': 2 } }],
  keyspaces: [{ name: 'app', replication: 2 }],
};
