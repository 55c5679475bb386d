import { describe, expect, it } from 'vitest';
import { effectsOf } from '../../src/faults/kinds.js';
import { addedNodePlan, widestRangeMidpoint } from '../../src/faults/membership.js';
import { FaultSpecSchema } from '../../src/faults/spec.js';
import { parseRing } from '../../src/runtime/membership.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology, type TopologyInput } from '../../src/topology/schema.js';

const planOf = (t: TopologyInput) => planFederation(parseTopology(t), 'unit', 1);
const plan = planOf({
  shape: 'federation',
  regions: ['ra', 'rb'],
  clusters: [
    { name: 'main', role: 'main', nodes: { ra: 2 } },
    { name: 'solo', role: 'worker', nodes: { rb: 1 } },
    { name: 'sc', role: 'worker', flavor: 'scylla', nodes: { rb: 2 } },
  ],
  keyspaces: [{ name: 'app', replication: 1 }],
});
const stretched = planOf({
  shape: 'stretched',
  regions: ['ra', 'rb'],
  clusters: [{ name: 'geo', nodes: { ra: 1, rb: 1 } }],
  keyspaces: [{ name: 'app', replication: { ra: 1, rb: 1 } }],
});
const parse = (spec: Record<string, unknown>) => FaultSpecSchema.parse(spec);
const members = (p: typeof plan, spec: Record<string, unknown>) => effectsOf(p, parse(spec), 'id').members;

describe('membership faults', () => {
  it('the token of an added node halves the widest range, the ring wrapping at 2^63', () => {
    expect(widestRangeMidpoint(['-9223372036854775808', '-1000'])).toBe('4611686018427387404');
    expect(widestRangeMidpoint(['-1000', '9223372036854775000'])).toBe('4611686018427387000');
    expect(widestRangeMidpoint(['-100', '100'])).toBe('-9223372036854775808');
    expect(widestRangeMidpoint(['0'])).toBe('-9223372036854775808');
    // The two-node cluster's balanced tokens halve the ring: on a tie, the range that wraps is halved.
    const tokens = plan.nodes.filter((n) => n.cluster === 'main').map((n) => n.token);
    expect(tokens).toEqual(['-9223372036854775808', '0']);
    expect(widestRangeMidpoint(tokens)).toBe('4611686018427387904');
  });

  it('add-node plans a node of the bring-up’s shape: the next name, an address from .200, its siblings as seeds, not itself', () => {
    const n = addedNodePlan(plan, 'main');
    const siblings = plan.nodes.filter((m) => m.cluster === 'main');
    expect(n).toMatchObject({
      name: 'main-ra-3',
      container: 'fedsim-unit-main-ra-3',
      cluster: 'main',
      region: 'ra',
      datacenter: 'ra',
      address: '10.213.8.200',
      seeds: siblings.map((m) => m.address),
      memoryMb: siblings[0]!.memoryMb,
    });
    expect(plan.nodes.map((m) => m.address)).not.toContain(n.address);
    expect(siblings.map((m) => m.token)).not.toContain(n.token);
    // Another cluster of a region gets the next address.
    expect(addedNodePlan(plan, 'solo').address).toBe('10.213.9.200');
    expect(members(plan, { kind: 'add-node', target: 'cluster:main' })).toEqual([
      { action: 'add', node: 'main-ra-3', container: n.container, cluster: 'main', region: 'ra', address: n.address, plan: n },
    ]);
  });

  it('decommission and replace act on one planned Cassandra node of a cluster of two or more', () => {
    expect(members(plan, { kind: 'decommission', target: 'main-ra-2' })).toEqual([
      {
        action: 'decommission',
        node: 'main-ra-2',
        container: 'fedsim-unit-main-ra-2',
        cluster: 'main',
        region: 'ra',
        address: '10.213.8.12',
      },
    ]);
    expect(members(plan, { kind: 'replace', target: 'cluster:main', pick: 1, seed: 3 })![0]!.action).toBe('replace');
  });

  it('refuses, in a sentence, what it cannot do', () => {
    const refused = (p: typeof plan, spec: Record<string, unknown>) => () => effectsOf(p, parse(spec), 'id');
    expect(refused(stretched, { kind: 'add-node', target: 'cluster:geo' })).toThrow(
      /^add-node grows a cluster that lives in one region; geo is stretched over ra, rb/,
    );
    expect(refused(plan, { kind: 'add-node', target: 'region:ra' })).toThrow(
      'add-node targets a cluster: write cluster:NAME, not "region:ra".',
    );
    expect(refused(plan, { kind: 'add-node', target: 'main-ra-1' })).toThrow(
      'Unknown cluster "main-ra-1"; the clusters are main, solo, sc.',
    );
    expect(refused(plan, { kind: 'add-node', target: 'cluster:mars' })).toThrow('Unknown cluster "mars"; the clusters are main, solo, sc.');
    expect(refused(plan, { kind: 'add-node', target: 'cluster:sc' })).toThrow(/sc is a scylla cluster/);
    expect(refused(plan, { kind: 'decommission', target: 'cluster:main' })).toThrow(
      'decommission takes one node at a time; "cluster:main" matches 2 (add --pick 1).',
    );
    expect(refused(plan, { kind: 'replace', target: 'solo-rb-1' })).toThrow(
      'replace needs a cluster of two nodes or more; solo-rb-1 is the only node of solo.',
    );
    expect(() => parse({ kind: 'replace', target: 'main-ra-1', for: '10s' })).toThrow('replace happens at once and takes no');
    expect(() => parse({ kind: 'add-node', target: 'cluster:main', pick: 1 })).toThrow('add-node takes no');
  });

  it('reads the ring from nodetool status', () => {
    const status = `Datacenter: us-east-1
=====================
Status=Up/Down
|/ State=Normal/Leaving/Joining/Moving
--  Address       Load        Tokens  Owns (effective)  Host ID                               Rack
UN  10.213.0.11   180.6 KiB   1       100.0%            3d0d2c7e-6a3f-4c1c-9a0e-1f6f3c2b9a11  rack1
UJ  10.213.0.200  95.2 KiB    1       ?                 0b7f0b0e-2f1c-4d0a-8f5e-8c0f6a8e2c22  rack1
DN  10.213.0.12   ?           1       100.0%            a6c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d44  rack1
`;
    expect(parseRing(status)).toEqual([
      { state: 'UN', address: '10.213.0.11', hostId: '3d0d2c7e-6a3f-4c1c-9a0e-1f6f3c2b9a11' },
      { state: 'UJ', address: '10.213.0.200', hostId: '0b7f0b0e-2f1c-4d0a-8f5e-8c0f6a8e2c22' },
      { state: 'DN', address: '10.213.0.12', hostId: 'a6c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d44' },
    ]);
  });
});
