import { describe, expect, it } from 'vitest';
import { linkMatrix, planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';

const stretched = parseTopology({
  shape: 'stretched',
  regions: ['a-one', 'b-two'],
  links: { default: { latency: 30 }, pairs: [{ from: 'a-one', to: 'b-two', latency: 100, jitter: 5 }] },
  clusters: [{ name: 'geo', nodes: { 'a-one': 2, 'b-two': 1 } }],
  keyspaces: [{ name: 'app', replication: { 'a-one': 2, 'b-two': 1 } }],
});

describe('plan', () => {
  it('is a pure function of its input', () => {
    expect(planFederation(stretched, 'x', 3)).toEqual(planFederation(stretched, 'x', 3));
  });

  it('matches its snapshot', () => {
    expect(planFederation(stretched, 'snap', 0)).toMatchSnapshot();
  });

  it('gives each ordered pair of regions its own one-way latency', () => {
    expect(linkMatrix(stretched)).toEqual([
      { from: 'a-one', to: 'b-two', latencyMs: 100, jitterMs: 5 },
      { from: 'b-two', to: 'a-one', latencyMs: 30, jitterMs: 0 },
    ]);
  });

  it('puts each slot in its own subnets, so federations never share addresses', () => {
    const a = planFederation(stretched, 'x', 0).networks.map((n) => n.subnet);
    const b = planFederation(stretched, 'y', 1).networks.map((n) => n.subnet);
    expect(a).toEqual(['10.213.0.0/24', '10.213.1.0/24']);
    expect(b).toEqual(['10.213.8.0/24', '10.213.9.0/24']);
  });

  it('makes every node of a cluster a seed and balances tokens within each datacenter', () => {
    const p = planFederation(stretched, 'x', 0);
    const [a1, a2, b1] = p.nodes;
    expect(a1?.seeds).toEqual([a1?.address, a2?.address, b1?.address]);
    expect(a1?.token).toBe((-(2n ** 63n)).toString());
    expect(a2?.token).toBe('0');
    expect(b1?.token).toBe((-(2n ** 63n) + 100n).toString());
  });

  it('routes client paths through the gateway with the link latency, and none inside a region', () => {
    const p = planFederation(stretched, 'x', 0);
    const gwA = p.gateways.find((g) => g.region === 'a-one')!;
    const toB = gwA.proxies.find((x) => x.kind === 'cql' && x.toRegion === 'b-two')!;
    expect(toB.toxics).toEqual([
      { name: 'baseline-up', type: 'latency', stream: 'upstream', attributes: { latency: 100, jitter: 5 } },
      { name: 'baseline-down', type: 'latency', stream: 'downstream', attributes: { latency: 30, jitter: 0 } },
    ]);
    for (const local of gwA.proxies.filter((x) => x.kind === 'cql' && x.toRegion === 'a-one')) expect(local.toxics).toEqual([]);
  });

  it('redirects cross-region replication of each node to its own gateway, and only that', () => {
    const p = planFederation(stretched, 'x', 0);
    const [a1, , b1] = p.nodes;
    const gwA = p.gateways.find((g) => g.region === 'a-one')!;
    const peerB = gwA.proxies.find((x) => x.kind === 'peer' && x.node === b1?.name)!;
    expect(a1?.dnat).toEqual([{ to: `${b1?.address}:7000`, via: `${gwA.addresses['a-one']}:${peerB.listenPort}` }]);
    expect(b1?.dnat.map((d) => d.to).sort()).toEqual(
      p.nodes
        .filter((n) => n.region === 'a-one')
        .map((n) => `${n.address}:7000`)
        .sort(),
    );
  });

  it('federation clusters get no peer paths and the main cluster gets the registry keyspace', () => {
    const fed = parseTopology({
      shape: 'federation',
      regions: ['us-east-1', 'eu-west-1'],
      clusters: [
        { name: 'main', role: 'main', nodes: { 'us-east-1': 1 } },
        { name: 'worker', role: 'worker', nodes: { 'eu-west-1': 1 } },
      ],
      keyspaces: [{ name: 'app', replication: 1 }],
    });
    const p = planFederation(fed, 'x', 0);
    expect(p.gateways.flatMap((g) => g.proxies).filter((x) => x.kind === 'peer')).toEqual([]);
    expect(p.nodes.every((n) => n.dnat.length === 0)).toBe(true);
    expect(p.clusters.map((c) => [c.name, c.role, c.keyspaces.map((k) => k.name)])).toEqual([
      ['main', 'main', ['fedsim_registry', 'app']],
      ['worker', 'worker', ['app']],
    ]);
  });
});
