import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot as root } from '../../src/paths.js';
import { cassandra } from '../../src/runtime/components/cassandra.js';
import { loadTopology } from '../../src/topology/file.js';
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
  // Invariants over every example topology at the first and last slot, instead of a snapshot of one.
  const examples = ['two-region-federation', 'three-region-federation', 'stretched-pair'].flatMap((t) =>
    [0, 31].map((slot) => ({
      name: `${t} at slot ${slot}`,
      slot,
      plan: planFederation(loadTopology(join(root, `topologies/${t}.yaml`)), 'inv', slot),
    })),
  );
  const third = (subnet: string) => subnet.split('.').slice(0, 3).join('.');

  it.each(examples)("$name: every address is unique and in its region's /24 of the slot", ({ plan, slot }) => {
    const subnetOf = new Map(plan.networks.map((n) => [n.region, third(n.subnet)]));
    expect([...subnetOf.values()]).toEqual(plan.regions.map((_, i) => `10.213.${8 * slot + i}`));
    for (const n of plan.nodes) expect(third(n.address), n.name).toBe(subnetOf.get(n.region));
    for (const g of plan.gateways) for (const [r, a] of Object.entries(g.addresses)) expect(third(a), g.container).toBe(subnetOf.get(r));
    const all = [...plan.nodes.map((n) => n.address), ...plan.gateways.flatMap((g) => Object.values(g.addresses))];
    expect(new Set(all).size).toBe(all.length);
  });

  it.each(examples)("$name: every node is reached from every region through a proxy carrying that link's latency", ({ plan }) => {
    const link = (from: string, to: string) => plan.links.find((l) => l.from === from && l.to === to);
    for (const g of plan.gateways) {
      const ports = g.proxies.map((p) => p.listenPort);
      expect(new Set(ports).size, g.container).toBe(ports.length);
      for (const n of plan.nodes) {
        const cql = g.proxies.find((p) => p.kind === 'cql' && p.node === n.name);
        expect(cql?.upstream, `${g.region} -> ${n.name}`).toBe(`${n.address}:9042`);
        if (n.region === g.region) {
          expect(cql!.toxics).toEqual([]);
          continue;
        }
        const [up, down] = [link(g.region, n.region)!, link(n.region, g.region)!];
        expect(cql!.toxics.map((t) => [t.stream, t.attributes.latency, t.attributes.jitter])).toEqual([
          ['upstream', up.latencyMs, up.jitterMs],
          ['downstream', down.latencyMs, down.jitterMs],
        ]);
      }
    }
  });

  it.each(examples)('$name: each cluster seeds from all its nodes, with tokens unique in each datacenter', ({ plan }) => {
    for (const c of plan.clusters) {
      const nodes = plan.nodes.filter((n) => n.cluster === c.name);
      expect(nodes.map((n) => n.name)).toEqual(c.nodes);
      for (const n of nodes) expect(n.seeds).toEqual(nodes.map((m) => m.address));
      for (const dc of new Set(nodes.map((n) => n.datacenter))) {
        const tokens = nodes.filter((n) => n.datacenter === dc).map((n) => n.token);
        expect(new Set(tokens).size).toBe(tokens.length);
      }
    }
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

describe('node tuning', () => {
  const env = (t: ReturnType<typeof parseTopology>) =>
    planFederation(t, 'tun', 0).nodes.map((n) =>
      cassandra
        .container(planFederation(t, 'tun', 0), n, { ref: 'img', source: 'local' })
        .Env!.filter((e) => /^FEDSIM_(PROCESSORS|LIGHT|CDS|HEAP)=/.test(e)),
    );

  it('sizes a node for a test federation by default, and a cluster overrides it', () => {
    expect(env(stretched)[0]).toEqual(['FEDSIM_HEAP=512M', 'FEDSIM_PROCESSORS=1', 'FEDSIM_LIGHT=1', 'FEDSIM_CDS=1']);
    const shipped = parseTopology({
      shape: 'stretched',
      regions: ['a-one'],
      clusters: [{ name: 'geo', nodes: { 'a-one': 1 }, memory: '3g', tuning: { processors: 0, light: false, cds: false } }],
    });
    expect(env(shipped)[0]).toEqual(['FEDSIM_HEAP=1024M', 'FEDSIM_PROCESSORS=0', 'FEDSIM_LIGHT=0', 'FEDSIM_CDS=0']);
    expect(() =>
      parseTopology({ ...shipped, clusters: [{ name: 'geo', nodes: { 'a-one': 1 }, tuning: { threads: 2 } }] } as never),
    ).toThrow(/threads/);
  });
});
