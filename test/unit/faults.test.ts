import { describe, expect, it } from 'vitest';
import { FedsimError } from '../../src/errors.js';
import { effectsOf } from '../../src/faults/kinds.js';
import { selectNodes } from '../../src/faults/node.js';
import { type FaultSpecInput, FaultSpecSchema } from '../../src/faults/spec.js';
import { parseFault } from '../../src/runtime/faults.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';

// Three regions, a cluster in each; rb's cluster has two nodes.
const plan = planFederation(
  parseTopology({
    shape: 'federation',
    regions: ['ra', 'rb', 'rc'],
    links: { default: { latency: 20 } },
    clusters: [
      { name: 'main', role: 'main', nodes: { ra: 1 } },
      { name: 'wb', role: 'worker', nodes: { rb: 2 } },
      { name: 'wc', role: 'worker', nodes: { rc: 1 } },
    ],
    keyspaces: [{ name: 'app', replication: 1 }],
  }),
  'unit',
  0,
);

const effects = (spec: FaultSpecInput) => effectsOf(plan, parseFault(spec), 'id1');
const where = (e: ReturnType<typeof effects>) => e.toxics.map((t) => `${t.gateway}/${t.proxy}/${t.toxic.stream}`).sort();

describe('fault specs', () => {
  it('take only the parameters of their kind, and need the ones it requires', () => {
    expect(() => parseFault({ kind: 'latency', target: 'ra->rb' })).toThrow('Fault "latency": latency: latency needs "latency"');
    expect(() => parseFault({ kind: 'kill', target: 'x', latency: '5ms' })).toThrow(
      'latency: kill takes no "latency"; it takes pick, seed',
    );
    expect(() => parseFault({ kind: 'restart', target: 'x', for: '5s' })).toThrow('for: restart happens at once and takes no "for"');
    expect(() => parseFault({ kind: 'latency', target: 'ra->rb', latency: '10ms', jitter: '20ms' })).toThrow(/negative delays/);
    expect(() => parseFault({ kind: 'latency', target: 'ra->rb', latency: '2m' })).toThrow(/expected at most 1m/);
    expect(() => parseFault({ kind: 'melt' as 'kill', target: 'x' })).toThrow(/kind: Invalid option/);
  });

  it('parse durations into milliseconds', () => {
    expect(FaultSpecSchema.parse({ kind: 'latency', target: 'ra->rb', latency: '1.5s', for: '2m' })).toMatchObject({
      latency: 1500,
      for: 120_000,
    });
  });
});

describe('link faults', () => {
  it("A->B touches traffic from A to B only: upstream on A's proxies to B, downstream on B's proxies to A", () => {
    const e = effects({ kind: 'latency', target: 'ra->rc', latency: '150ms', jitter: '10ms' });
    expect(e.directions).toEqual([['ra', 'rc']]);
    expect(where(e)).toEqual(['ra/cql-wc-rc-1/upstream', 'rc/cql-main-ra-1/downstream']);
    expect(e.toxics[0]!.toxic).toEqual({
      name: 'fault-id1-upstream',
      type: 'latency',
      stream: 'upstream',
      attributes: { latency: 150, jitter: 10 },
    });
  });

  it('A<->B touches both directions, client and replication paths alike', () => {
    const e = effects({ kind: 'bandwidth', target: 'rb<->rc', rate: 100 });
    expect(e.directions).toEqual([
      ['rb', 'rc'],
      ['rc', 'rb'],
    ]);
    expect(where(e)).toEqual([
      'rb/cql-wc-rc-1/downstream',
      'rb/cql-wc-rc-1/upstream',
      'rc/cql-wb-rb-1/downstream',
      'rc/cql-wb-rb-1/upstream',
      'rc/cql-wb-rb-2/downstream',
      'rc/cql-wb-rb-2/upstream',
    ]);
  });

  it('map each kind to its Toxiproxy toxic', () => {
    const toxic = (spec: FaultSpecInput) => effects(spec).toxics[0]!.toxic;
    expect(toxic({ kind: 'stall', target: 'ra->rb' })).toMatchObject({ type: 'timeout', attributes: { timeout: 0 } });
    expect(toxic({ kind: 'reset', target: 'ra->rb', after: '2s' })).toMatchObject({ type: 'reset_peer', attributes: { timeout: 2000 } });
    expect(toxic({ kind: 'slow-close', target: 'ra->rb', delay: '1s' })).toMatchObject({ type: 'slow_close', attributes: { delay: 1000 } });
    expect(toxic({ kind: 'slicer', target: 'ra->rb', size: 10, delay: '1ms' })).toMatchObject({
      type: 'slicer',
      attributes: { average_size: 10, size_variation: 5, delay: 1000 },
    });
    expect(toxic({ kind: 'limit-data', target: 'ra->rb', bytes: 0 })).toMatchObject({ type: 'limit_data', attributes: { bytes: 0 } });
  });

  it('link-down disables the proxies opened from the cut side', () => {
    const e = effects({ kind: 'link-down', target: 'rc->rb' });
    expect(e.toxics).toEqual([]);
    expect(e.disabled).toEqual([
      { gateway: 'rc', proxy: 'cql-wb-rb-1' },
      { gateway: 'rc', proxy: 'cql-wb-rb-2' },
    ]);
  });

  it('reject an unknown region, a malformed target and a link to itself', () => {
    expect(() => effects({ kind: 'stall', target: 'ra->mars' })).toThrow(
      'Unknown region "mars" in "ra->mars"; the regions are ra, rb, rc.',
    );
    expect(() => effects({ kind: 'stall', target: 'ra to rb' })).toThrow(/is not a link/);
    expect(() => effects({ kind: 'stall', target: 'ra->ra' })).toThrow(/names one region twice/);
  });
});

describe('partitions', () => {
  it('A|B stalls both directions; oneWay only left -> right', () => {
    expect(effects({ kind: 'partition', target: 'ra|rb' }).directions).toEqual([
      ['ra', 'rb'],
      ['rb', 'ra'],
    ]);
    expect(effects({ kind: 'partition', target: 'ra|rb', oneWay: true }).directions).toEqual([['ra', 'rb']]);
    expect(effects({ kind: 'partition', target: 'ra|rb' }).toxics.every((t) => t.toxic.type === 'timeout')).toBe(true);
  });

  it('isolate A is A|* and split A,B|* cuts a set from the rest', () => {
    expect(effects({ kind: 'isolate', target: 'rc' }).directions).toEqual(effects({ kind: 'partition', target: 'rc|ra,rb' }).directions);
    expect(effects({ kind: 'partition', target: 'ra,rb|*' }).directions).toEqual([
      ['ra', 'rc'],
      ['rc', 'ra'],
      ['rb', 'rc'],
      ['rc', 'rb'],
    ]);
  });

  it('reject overlapping or empty sides', () => {
    expect(() => effects({ kind: 'partition', target: 'ra|ra,rb' })).toThrow(/puts ra on both sides/);
    expect(() => effects({ kind: 'partition', target: 'ra' })).toThrow(/needs two sides/);
    expect(() => effects({ kind: 'partition', target: '*|*' })).toThrow(/on both sides/);
    expect(() => effects({ kind: 'partition', target: 'ra,rb,rc|*' })).toThrow(/leaves one side empty/);
  });
});

describe('node faults and outages', () => {
  it('target a node, a region, a cluster or all', () => {
    const names = (t: string) => selectNodes(plan, t).map((n) => n.name);
    expect(names('wb-rb-2')).toEqual(['wb-rb-2']);
    expect(names('region:rb')).toEqual(['wb-rb-1', 'wb-rb-2']);
    expect(names('cluster:main')).toEqual(['main-ra-1']);
    expect(names('all')).toHaveLength(4);
    expect(() => names('nope')).toThrow('Unknown node "nope"; the nodes are main-ra-1, wb-rb-1, wb-rb-2, wc-rc-1.');
    expect(() => names('rack:x')).toThrow(/not understood/);
  });

  it('pick at random with a seed: the same seed, the same nodes; different seeds spread', () => {
    const pick = (seed: number) => selectNodes(plan, 'all', 2, seed).map((n) => n.name);
    expect(pick(7)).toEqual(pick(7));
    const seen = new Set(Array.from({ length: 50 }, (_, s) => pick(s).join()));
    expect(seen.size).toBeGreaterThan(4);
    expect(() => selectNodes(plan, 'cluster:main', 2)).toThrow('Cannot pick 2 of the 1 node(s) that "cluster:main" matches.');
  });

  it('an outage kills every node of the region', () => {
    expect(effects({ kind: 'outage', target: 'rb' }).nodes).toEqual([
      { node: 'wb-rb-1', container: 'fedsim-unit-wb-rb-1', action: 'kill' },
      { node: 'wb-rb-2', container: 'fedsim-unit-wb-rb-2', action: 'kill' },
    ]);
    expect(() => effects({ kind: 'outage', target: 'rz' })).toThrow(FedsimError);
  });
});
