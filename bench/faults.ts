/**
 * Fault figures: for each kind, the time from a fault being asked for to it taking effect (median
 * and worst of several), and for heal, the time to return the federation to answering after the
 * faults that take nodes down. Targets: a toxic <= 50 ms, a kill <= 1 s. loss, stress and clock are
 * in effect when their iptables rules, cgroup limits or offset file are in place (libfaketime in the
 * JVM reads the file within a further second). Membership kinds run on a cluster of two nodes at
 * RF 2 with writes at QUORUM running: a node joining (bootstrapped and serving) and leaving
 * (decommissioned and removed), a planned node leaving and coming back, a dead node replaced.
 *   node dist/bench/faults.js [KIND...]   (only the kinds named, e.g. `loss stress clock`, `add-node`)
 */
import cassandra from 'cassandra-driver';
import type { FaultSpecInput } from '../src/faults/spec.js';
import { up } from '../src/runtime/bringup.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { Faults } from '../src/runtime/faults.js';
import { buildImages } from '../src/runtime/images.js';

const MEMBERSHIP = ['add-node', 'decommission', 'replace'];
const only = process.argv.slice(2);
const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
if (!only.length || only.some((k) => !MEMBERSHIP.includes(k))) await proxyAndNodeKinds();
if (!only.length || only.some((k) => MEMBERSHIP.includes(k))) await membershipKinds();

async function proxyAndNodeKinds(): Promise<void> {
  const fed = await up(
    engine,
    {
      shape: 'federation',
      regions: ['us-east-1', 'eu-west-1'],
      links: { default: { latency: '40ms' } },
      clusters: [
        { name: 'main', role: 'main', nodes: { 'us-east-1': 1 } },
        { name: 'worker-eu', role: 'worker', nodes: { 'eu-west-1': 1 } },
      ],
      keyspaces: [{ name: 'app', replication: 1 }],
    },
    { name: 'bench-faults' },
  );

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const link = 'us-east-1<->eu-west-1';
  const node = 'worker-eu-eu-west-1-1';
  const kinds: [string, FaultSpecInput, number][] = [
    ['latency', { kind: 'latency', target: link, latency: '100ms' }, 7],
    ['bandwidth', { kind: 'bandwidth', target: link, rate: 100 }, 7],
    ['stall', { kind: 'stall', target: link }, 7],
    ['reset', { kind: 'reset', target: link }, 7],
    ['slow-close', { kind: 'slow-close', target: link, delay: '1s' }, 7],
    ['slicer', { kind: 'slicer', target: link }, 7],
    ['limit-data', { kind: 'limit-data', target: link, bytes: 1000 }, 7],
    ['link-down', { kind: 'link-down', target: link }, 7],
    ['partition', { kind: 'partition', target: 'us-east-1|eu-west-1' }, 7],
    ['loss link', { kind: 'loss', target: link, percent: 10 }, 7],
    ['loss node', { kind: 'loss', target: node, percent: 10, burst: 4 }, 7],
    ['stress', { kind: 'stress', target: node, cpu: 20 }, 7],
    ['clock', { kind: 'clock', target: node, offset: '30s' }, 5],
    ['pause', { kind: 'pause', target: node }, 5],
    ['kill', { kind: 'kill', target: node }, 3],
    ['stop', { kind: 'stop', target: node }, 3],
    ['outage', { kind: 'outage', target: 'eu-west-1' }, 3],
    ['wipe', { kind: 'wipe', target: node }, 3],
  ];

  try {
    const faults = new Faults(fed);
    console.log('kind         asked -> in effect (median, worst of n)   heal until answering (median)');
    for (const [name, spec, n] of kinds.filter(([, s]) => !only.length || only.includes(s.kind))) {
      const effect: number[] = [];
      const heal: number[] = [];
      for (let i = 0; i < n; i++) {
        const f = await faults.inject(spec);
        effect.push(f.effect!.t - f.asked.t);
        heal.push((await faults.heal()).seconds);
      }
      console.log(
        `${name.padEnd(12)} ${`${median(effect).toFixed(0)} ms, worst ${Math.max(...effect).toFixed(0)} ms (n=${n})`.padEnd(40)} ${median(heal).toFixed(2)} s`,
      );
    }
  } finally {
    await fed.down();
  }
}

/** Joins and leaves, with writes at QUORUM running against the cluster all along. */
async function membershipKinds(): Promise<void> {
  const fed = await up(
    engine,
    {
      shape: 'federation',
      regions: ['us-east-1'],
      clusters: [{ name: 'main', role: 'main', nodes: { 'us-east-1': 2 } }],
      keyspaces: [{ name: 'app', replication: 2 }],
    },
    { name: 'bench-members' },
  );
  let writing = true;
  const counts = { acked: 0, failed: 0 };
  const client = fed.client('us-east-1', 'main');
  const writer = (async () => {
    await client.execute('CREATE TABLE IF NOT EXISTS app.kv (k int PRIMARY KEY, v int)');
    for (let k = 0; writing; k++) {
      await client
        .execute('INSERT INTO app.kv (k, v) VALUES (?, ?)', [k, k], { prepare: true, consistency: cassandra.types.consistencies.quorum })
        .then(
          () => counts.acked++,
          () => counts.failed++,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const node = fed.plan.nodes[1]!.name;
  const runs: [string, FaultSpecInput][] = [
    ['add-node', { kind: 'add-node', target: 'cluster:main' }],
    ['decommission', { kind: 'decommission', target: node }],
    ['replace', { kind: 'replace', target: node }],
  ];
  try {
    const faults = new Faults(fed);
    console.log('membership (2 nodes, RF 2, writes at QUORUM running)   in effect      heal (until the planned membership answers)');
    for (const [name, spec] of runs.filter(([k]) => !only.length || only.includes(k))) {
      const f = await faults.inject(spec);
      const inEffect = (f.effect!.t - f.asked.t) / 1000;
      const healed = (await faults.heal()).seconds;
      const what = { 'add-node': 'joined; removed', decommission: 'left; back', replace: 'replaced; -' }[name]!;
      console.log(`${`${name} (${what})`.padEnd(54)} ${`${inEffect.toFixed(1)} s`.padEnd(14)} ${healed.toFixed(1)} s`);
    }
  } finally {
    writing = false;
    await writer;
    console.log(
      `writes during the membership runs: ${counts.acked} acknowledged, ${counts.failed} failed (QUORUM of 2: none while a node is away)`,
    );
    await fed.down();
  }
}
