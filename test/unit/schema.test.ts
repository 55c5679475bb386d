import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../src/common/document.js';
import { parseTopology, TopologySchema } from '../../src/topology/schema.js';

const good = {
  shape: 'federation',
  regions: ['us-east-1', 'eu-west-1'],
  links: { default: { latency: '50ms' }, pairs: [{ from: 'us-east-1', to: 'eu-west-1', latency: '100ms', jitter: '5ms' }] },
  clusters: [
    { name: 'main', role: 'main', nodes: { 'us-east-1': 1 } },
    { name: 'worker', role: 'worker', nodes: { 'eu-west-1': 1 }, memory: '2g' },
  ],
  keyspaces: [{ name: 'app', replication: 1 }],
};

function problem(doc: unknown): string {
  const r = TopologySchema.safeParse(doc);
  if (r.success) throw new Error('expected the topology to be rejected');
  return describeIssues(r.error);
}

describe('topology schema', () => {
  it('parses durations and sizes into milliseconds and MiB, with defaults', () => {
    const t = parseTopology(good as never);
    expect(t.links.default).toEqual({ latency: 50, jitter: 0 });
    expect(t.links.pairs[0]).toMatchObject({ latency: 100, jitter: 5, both: false });
    expect(t.clusters[0]?.memory).toBe(1536);
    expect(t.clusters[1]?.memory).toBe(2048);
    expect(t.clusters[0]?.flavor).toBe('cassandra');
    expect(t.monitoring).toBe(false);
  });

  it('parses its own output to the same value (the federation label stores it)', () => {
    const once = parseTopology(good as never);
    expect(parseTopology(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it.each([
    [{ ...good, colour: 'red' }, /^Unrecognized key: "colour"/],
    [{ ...good, links: { pairs: [{ from: 'us-east-1', to: 'mars', latency: 5 }] } }, /^links\.pairs\[0\]\.to: unknown region "mars"/],
    [{ ...good, links: { pairs: [{ from: 'eu-west-1', to: 'eu-west-1', latency: 5 }] } }, /^links\.pairs\[0\]\.to: .*links to itself/],
    [{ ...good, links: { default: { latency: 'soon' } } }, /^links\.default\.latency: expected a duration/],
    [
      { ...good, clusters: [{ name: 'main', role: 'main', nodes: { 'us-east-1': 0 } }] },
      /^clusters\[0\]\.nodes\.us-east-1: expected at least 1 node/,
    ],
    [
      { ...good, clusters: [good.clusters[0], { ...good.clusters[0], role: 'worker' }] },
      /^clusters\[1\]\.name: duplicate cluster name "main"/,
    ],
    [{ ...good, regions: ['us-east-1', 'us-east-1'] }, /^regions\[1\]: duplicate region/],
    [
      { ...good, clusters: [{ name: 'main', role: 'main', nodes: { 'ap-south-1': 1 } }] },
      /^clusters\[0\]\.nodes\.ap-south-1: unknown region/,
    ],
    [
      { ...good, keyspaces: [{ name: 'app', replication: 3 }] },
      /^keyspaces\[0\]\.replication: replication 3 in us-east-1 is more than the 1 node/,
    ],
    [
      { ...good, clusters: [{ ...good.clusters[1], role: 'worker' }] },
      /^clusters: a federation has exactly one cluster with role: main, found 0/,
    ],
    [
      {
        ...good,
        shape: 'stretched',
        clusters: [
          { name: 'geo', nodes: { 'us-east-1': 1 } },
          { name: 'second', nodes: { 'eu-west-1': 1 } },
        ],
      },
      /^clusters: a stretched topology has exactly one cluster/,
    ],
    [
      { ...good, clusters: [{ name: 'main', role: 'main', nodes: { 'us-east-1': 1, 'eu-west-1': 1 } }] },
      /^clusters\[0\]\.nodes: in a federation each cluster lives in one region/,
    ],
    [
      { ...good, clusters: [{ ...good.clusters[0], memory: '100m' }, good.clusters[1]] },
      /^clusters\[0\]\.memory: expected between 768m and 64g/,
    ],
    [{ ...good, regions: ['US East'] }, /^regions\[0\]: expected a lower-case name/],
  ])('rejects %# with the path of the bad field', (doc, message) => {
    expect(problem(doc)).toMatch(message);
  });
});
