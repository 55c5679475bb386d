import { describe, expect, it } from 'vitest';
import { touchedNodes } from '../../src/faults/effects.js';
import { effectsOf } from '../../src/faults/kinds.js';
import { dropRules } from '../../src/faults/loss.js';
import type { FaultSpecInput } from '../../src/faults/spec.js';
import { parseFault } from '../../src/runtime/faults.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';

// Two regions; rb has two nodes and a replica of a service.
const plan = planFederation(
  parseTopology({
    shape: 'federation',
    regions: ['ra', 'rb'],
    links: { default: { latency: 20 } },
    clusters: [
      { name: 'main', role: 'main', nodes: { ra: 1 } },
      { name: 'wb', role: 'worker', nodes: { rb: 2 }, memory: 1024 },
    ],
    keyspaces: [{ name: 'app', replication: 1 }],
    services: [{ name: 'tool', image: 'fedsim/base:x', regions: ['rb'] }],
  } as never),
  'unit',
  0,
);
const effects = (spec: FaultSpecInput) => effectsOf(plan, parseFault(spec), 'id1');
const gw = (r: string) => plan.gateways.find((g) => g.region === r)!.container;
const addr = (name: string) => [...plan.nodes, ...plan.replicas].find((n) => n.name === name)!.address;

describe('loss', () => {
  it("on a link: rules in the sending gateway (toward the far region's nodes and replicas) and the receiving one (from the near region's)", () => {
    const e = effects({ kind: 'loss', target: 'ra->rb', percent: 10 });
    expect(e.directions).toEqual([['ra', 'rb']]);
    expect(e.packets!.map((p) => [p.container, p.rules.map((r) => r.slice(0, 3).join(' '))])).toEqual([
      [gw('ra'), [`OUTPUT -d ${addr('wb-rb-1')}/32`, `OUTPUT -d ${addr('wb-rb-2')}/32`, `OUTPUT -d ${addr('tool-rb-1')}/32`]],
      [gw('rb'), [`INPUT -s ${addr('main-ra-1')}/32`]],
    ]);
    expect(e.packets![1]!.rules[0]).toEqual([
      'INPUT',
      '-s',
      `${addr('main-ra-1')}/32`,
      ...['-m', 'statistic', '--mode', 'random', '--probability', '0.1000'],
      ...['-m', 'comment', '--comment', 'fedsim-fault-id1', '-j', 'DROP'],
    ]);
    // Both ways: each gateway holds both kinds of rules; no node is named.
    const both = effects({ kind: 'loss', target: 'ra<->rb', percent: 10 });
    expect(both.packets!.map((p) => p.rules.length)).toEqual([3 + 3, 1 + 1]);
    expect(touchedNodes(both)).toEqual([]);
  });

  it('bursty: N marking positions of a period that keeps the share, then one drop of what is marked', () => {
    const rules = dropRules('OUTPUT', ['!', '-o', 'lo'], 20, 'x', 4);
    expect(rules).toHaveLength(5);
    expect(rules.slice(0, 4).map((r) => r.slice(r.indexOf('--every'), r.indexOf('--every') + 4).join(' '))).toEqual([
      '--every 20 --packet 0',
      '--every 20 --packet 1',
      '--every 20 --packet 2',
      '--every 20 --packet 3',
    ]);
    expect(rules[4]!.join(' ')).toBe('OUTPUT ! -o lo -m mark --mark 0xfed51/0xfed51 -m comment --comment fedsim-fault-x -j DROP');
  });

  it("on nodes: both ways in each node's namespace; a replica's rules go to its namespace holder", () => {
    const e = effects({ kind: 'loss', target: 'region:rb', percent: 5 });
    const replica = plan.replicas[0]!;
    expect(e.packets!.map((p) => p.container)).toEqual([
      ...plan.nodes.filter((n) => n.region === 'rb').map((n) => n.container),
      replica.netns,
    ]);
    expect(e.packets![0]!.rules.map((r) => r[0])).toEqual(['INPUT', 'OUTPUT']);
    expect(touchedNodes(e)).toEqual(['wb-rb-1', 'wb-rb-2', 'tool-rb-1']);
  });

  it('refuses what means nothing', () => {
    expect(() => parseFault({ kind: 'loss', target: 'ra->rb' })).toThrow('loss needs "percent"');
    expect(() => parseFault({ kind: 'loss', target: 'ra->rb', percent: 0 })).toThrow(/percent/);
    expect(() => parseFault({ kind: 'loss', target: 'ra->rb', percent: 100, burst: 3 })).toThrow('burst: loss of 100% drops everything');
    expect(() => parseFault({ kind: 'loss', target: 'ra->rb', percent: 5, pick: 1 })).toThrow(
      'pick: pick chooses nodes; a link target names no nodes',
    );
    expect(() => effects({ kind: 'loss', target: 'ra->mars', percent: 5 })).toThrow('Unknown region "mars"');
  });
});

describe('stress', () => {
  it('cpu as a share of a core, memory below the planned limit, on each targeted node', () => {
    const e = effects({ kind: 'stress', target: 'cluster:wb', cpu: 25, memory: 512 });
    expect(e.limits).toEqual(
      plan.nodes
        .filter((n) => n.cluster === 'wb')
        .map((n) => ({ node: n.name, container: n.container, cpus: 0.25, memoryMb: 512, plannedMemoryMb: 1024 })),
    );
    expect(effects({ kind: 'stress', target: 'tool-rb-1', cpu: 10 }).limits).toEqual([
      { node: 'tool-rb-1', container: plan.replicas[0]!.container, cpus: 0.1 },
    ]);
  });

  it('refuses, in one sentence: no parameter, memory not below the plan, memory on a replica', () => {
    expect(() => parseFault({ kind: 'stress', target: 'all' })).toThrow('cpu: stress needs "cpu", "memory" or both');
    expect(() => effects({ kind: 'stress', target: 'wb-rb-1', memory: 1024 })).toThrow(
      "stress --memory 1024 is not below wb-rb-1's planned 1024 MiB; give fewer MiB.",
    );
    expect(() => effects({ kind: 'stress', target: 'region:rb', memory: 100 })).toThrow(/limits database nodes; tool-rb-1 is a replica/);
  });
});

describe('clock', () => {
  it('a signed offset in seconds on each database node targeted (a region: its nodes, not its replicas)', () => {
    expect(effects({ kind: 'clock', target: 'region:rb', offset: '-90s' }).clocks).toEqual(
      plan.nodes.filter((n) => n.region === 'rb').map((n) => ({ node: n.name, container: n.container, offsetSeconds: -90 })),
    );
    expect(parseFault({ kind: 'clock', target: 'all', offset: '+1.5s' }).offset).toBe(1500);
    expect(parseFault({ kind: 'clock', target: 'all', offset: '2m' }).offset).toBe(120_000);
  });

  it('refuses a replica, a missing or malformed offset, and more than a week', () => {
    expect(() => effects({ kind: 'clock', target: 'tool-rb-1', offset: '5s' })).toThrow(/replica of service tool/);
    expect(() => parseFault({ kind: 'clock', target: 'all' })).toThrow('clock needs "offset"');
    expect(() => parseFault({ kind: 'clock', target: 'all', offset: 'soon' })).toThrow(/expected a duration with an optional sign/);
    expect(() => parseFault({ kind: 'clock', target: 'all', offset: '-200h' })).toThrow(/at most 168h either way/);
  });
});
