import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/runtime/bringup.js';
import { regionClient } from '../../src/runtime/cql.js';
import { connectEngine, type Engine } from '../../src/runtime/engine.js';
import { Faults } from '../../src/runtime/faults.js';
import type { Federation } from '../../src/runtime/federation.js';
import { execAsRoot, packetRules } from '../../src/runtime/hostfaults.js';
import * as topologies from './topologies.js';

/**
 * The faults below the proxy, against the real engine: loss (iptables in the gateways and in a node),
 * stress (cgroup limits) and clock (libfaketime in the JVM). Each is measured where it acts (a
 * client's latencies, the node's own cgroup and clock), shown to do what a checker judges, and
 * healed without a trace, also from a second process. One stretched pair serves every test.
 */
const C = cassandra.types.consistencies;
const cli = join(import.meta.dirname, '../../dist/src/cli.js');
const NAME = 'host-pair';
let engine: Engine;
let pair: Federation;
const clients: cassandra.Client[] = [];

function fedsim(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A session whose coordinator is the node of `region` (the only node of its local datacenter). */
function siteClient(region: string, opts: { serverTimestamps?: boolean } = {}): cassandra.Client {
  const endpoints = Object.fromEntries(pair.plan.nodes.map((n) => [n.address, pair.endpoints[region]![n.address]!]));
  const c = regionClient({ endpoints, localDataCenter: region, keyspace: 'app', readTimeoutMs: 8000, ...opts });
  clients.push(c);
  return c;
}

/** Latencies (ms) of `n` sequential reads at ALL: each crosses the link both ways. */
async function latencies(c: cassandra.Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await c.execute('SELECT v FROM app.kv WHERE k = ?', ['probe'], { consistency: C.all }).catch(() => undefined);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/**
 * Reads until `want` of them took longer than `slowMs`, or `cap` reads were made: the latencies seen.
 * Drops are random, so a fixed small sample sees a random share of them (30% loss one way gave 5 to 28
 * slow reads of 60 here, a percentile over 30 reads failed now and then); reading until a tail shows,
 * within a cap that a loss-free link does not reach, makes the claim one that cannot flake.
 */
async function readUntilSlow(c: cassandra.Client, slowMs: number, want: number, cap: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < cap && out.filter((x) => x > slowMs).length < want) out.push(...(await latencies(c, 1)));
  return out.sort((a, b) => a - b);
}
const slowOnes = (xs: number[], slowMs: number) => xs.filter((x) => x > slowMs).length;

const node = (region: string) => pair.plan.nodes.find((n) => n.region === region)!;
const gateway = (region: string) => pair.plan.gateways.find((g) => g.region === region)!.container;

async function inNode(region: string, script: string): Promise<string> {
  const r = await execAsRoot(engine, node(region).container, script);
  expect(r.code, r.output).toBe(0);
  return r.output;
}

/** No fault rule in any namespace, no CPU quota, the planned memory, clocks at +0. */
async function expectNoTrace(): Promise<void> {
  for (const c of [...pair.plan.gateways.map((g) => g.container), ...pair.plan.nodes.map((n) => n.container)])
    expect(await packetRules(engine, c), c).toEqual([]);
  for (const n of pair.plan.nodes) {
    const h = await engine.limits(n.container);
    expect({ node: n.name, quota: h.cpuQuota > 0, memory: h.memoryBytes }).toEqual({
      node: n.name,
      quota: false,
      memory: n.memoryMb * 1024 * 1024,
    });
    expect(await inNode(n.region, 'cat /run/fedsim-clock')).toBe('+0');
  }
  expect(await new Faults(pair).active()).toEqual([]);
}

beforeAll(async () => {
  engine = await connectEngine();
  pair = await up(engine, topologies.pair, { name: NAME });
  await pair.client('site-a').execute('CREATE TABLE IF NOT EXISTS app.kv (k text PRIMARY KEY, v text)');
  await pair.client('site-a').execute("INSERT INTO app.kv (k, v) VALUES ('probe', 'v')", [], { consistency: C.all });
});

// A test that failed half-way leaves its fault: the next starts from the declared state anyway.
afterEach(async () => {
  const faults = new Faults(pair);
  if ((await faults.active()).length) await faults.heal();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.shutdown().catch(() => undefined)));
  await pair?.down();
});

describe('loss', () => {
  it('on a link: real drops in the gateways, so requests crossing it see retransmission tails; heal deletes every rule', async () => {
    const a = siteClient('site-a');
    const before = await latencies(a, 30);
    const faults = new Faults(pair);
    const f = await faults.inject({ kind: 'loss', target: 'site-a->site-b', percent: 30 });
    expect(f.directions).toEqual([['site-a', 'site-b']]);
    // site-a's gateway drops what it sends to site-b's node; site-b's what it receives from site-a's.
    expect((await packetRules(engine, gateway('site-a'))).join('\n')).toMatch(
      new RegExp(
        `-A OUTPUT -d ${node('site-b').address}/32 -m statistic --mode random --probability 0.2999\\d* -m comment --comment fedsim-fault-${f.id} -j DROP`,
      ),
    );
    expect((await packetRules(engine, gateway('site-b'))).join('\n')).toMatch(new RegExp(`-A INPUT -s ${node('site-a').address}/32 `));
    // A dropped segment waits for TCP's retransmission timeout (200 ms at least): with 30% of the
    // packets one way dropped, about a third of the reads wait for one (17 to 28 of 60 measured here).
    const slow = pct(before, 50) + 150;
    const during = await readUntilSlow(a, slow, 8, 200);
    expect(slowOnes(during, slow), `before ${before.map(Math.round)}, during ${during.map(Math.round)}`).toBe(8);
    const r = await faults.heal();
    expect(r.rulesRemoved).toBe(2);
    await expectNoTrace();
    // Healed: the tail is gone (a busy host may still slow a read or two of 60, not a fifth of them).
    const after = await latencies(a, 60);
    expect(slowOnes(after, slow), `after ${after.map(Math.round)}`).toBeLessThan(12);
  });

  it('on a node, bursty: runs of packets dropped both ways; a second process lists and heals it', async () => {
    const injected = fedsim(['fault', 'loss', node('site-b').name, '--percent', '20', '--burst', '4', '-f', NAME]);
    expect(injected.code, injected.stderr).toBe(0);
    // Four marking positions of every period of 20 packets, then the drop, on each way.
    const rules = await packetRules(engine, node('site-b').container);
    expect(rules.filter((r) => r.includes('--every 20'))).toHaveLength(8);
    expect(rules.filter((r) => r.endsWith('-j DROP'))).toHaveLength(2);
    const listed = JSON.parse(fedsim(['faults', '--json', '-f', NAME]).stdout) as { spec: { kind: string; burst: number } }[];
    expect(listed.map((x) => [x.spec.kind, x.spec.burst])).toEqual([['loss', 4]]);
    // Runs of 4 drops, a fifth of the packets both ways: 22 to 26 of 60 reads waited over 200 ms here.
    const during = await readUntilSlow(siteClient('site-a'), 200, 8, 200);
    expect(slowOnes(during, 200), `during ${during.map(Math.round)}`).toBe(8);
    const healed = fedsim(['heal', '-f', NAME]);
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stdout).toMatch(/1 fault record\(s\) cleared; 0 toxic\(s\) removed; 10 packet rule\(s\) deleted/);
    await expectNoTrace();
  });
});

describe('stress', () => {
  it('cpu: the node gets its quota (its own cgroup says so, its own work is slower); heal lifts it', async () => {
    const busy = async () => {
      const out = await inNode(
        'site-b',
        't0=$(date +%s%N); i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; echo $(( ($(date +%s%N) - t0) / 1000000 ))',
      );
      return Number(out);
    };
    const before = await busy();
    const faults = new Faults(pair);
    const f = await faults.inject({ kind: 'stress', target: 'region:site-b', cpu: 5 });
    expect(f.nodes).toEqual([node('site-b').name]);
    expect(await inNode('site-b', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us')).toBe('5000\n100000');
    const during = await busy();
    expect(during, `before ${before} ms, during ${during} ms`).toBeGreaterThan(4 * before);
    const r = await faults.heal();
    expect(r.limitsRestored).toEqual([node('site-b').name]);
    expect(await inNode('site-b', 'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us')).toBe('-1');
    await expectNoTrace();
  });

  it('memory: the limit is lowered in the node; one the kernel cannot meet is refused in a sentence, with nothing left', async () => {
    const faults = new Faults(pair);
    const planned = node('site-b').memoryMb;
    const limit = planned - 64;
    await faults.inject({ kind: 'stress', target: node('site-b').name, memory: limit });
    expect(Number(await inNode('site-b', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes'))).toBe(limit * 1024 * 1024);
    await faults.heal();
    await expectNoTrace();
    await expect(faults.inject({ kind: 'stress', target: node('site-b').name, memory: 16 })).rejects.toThrow(
      /^Could not inject stress on geo-site-b-1: geo-site-b-1 uses \d+ MiB that the kernel cannot reclaim, more than the 16 MiB asked for \(give more MiB\); what was applied has been undone\.$/,
    );
    expect((await engine.inspect(node('site-b').container)).running).toBe(true);
    await expectNoTrace();
  });
});

describe('clock', () => {
  const nodeNow = async (c: cassandra.Client) =>
    Number((await c.execute('SELECT toUnixTimestamp(now()) AS t FROM system.local')).rows[0]!.t) - Date.now();

  it("moves the node's own now() at run time, and last-write-wins then keeps the older write; heal sets it right", async () => {
    const a = siteClient('site-a', { serverTimestamps: true });
    const b = siteClient('site-b', { serverTimestamps: true });
    expect(Math.abs(await nodeNow(b))).toBeLessThan(2000);
    const faults = new Faults(pair);
    await faults.inject({ kind: 'clock', target: node('site-b').name, offset: '+60s' });
    // libfaketime reads the file again within a second.
    let skew = 0;
    for (let i = 0; i < 20 && skew < 55_000; i++) {
      await new Promise((r) => setTimeout(r, 250));
      skew = await nodeNow(b);
    }
    expect(skew).toBeGreaterThan(58_000);
    expect(skew).toBeLessThan(62_000);
    expect(Math.abs(await nodeNow(a))).toBeLessThan(2000);
    // A write coordinated by the skewed node is stamped a minute ahead: a newer write coordinated
    // by site-a loses to it, on site-a's own replica.
    const write = (c: cassandra.Client, v: string, consistency: number) =>
      c.execute("INSERT INTO app.kv (k, v) VALUES ('lww', ?)", [v], { consistency });
    const readAtA = async () => (await a.execute("SELECT v FROM app.kv WHERE k = 'lww'", [], { consistency: C.localOne })).rows[0]?.v;
    await write(b, 'older', C.localOne);
    for (let i = 0; i < 40 && (await readAtA()) !== 'older'; i++) await new Promise((r) => setTimeout(r, 250));
    await write(a, 'newer', C.localOne);
    expect(await readAtA()).toBe('older');
    // And Cassandra's internode timeouts (internode_timeout: true) date messages by the sender's
    // clock: the node a minute ahead drops site-a's requests as expired, so writes needing it fail.
    await expect(write(a, 'all', C.all)).rejects.toThrow(/timeout/i);
    const r = await faults.heal();
    expect(r.clocksReset).toEqual([node('site-b').name]);
    await expectNoTrace();
    for (let i = 0; i < 20 && Math.abs(skew) > 2000; i++) {
      await new Promise((r) => setTimeout(r, 250));
      skew = await nodeNow(b);
    }
    expect(Math.abs(skew)).toBeLessThan(2000);
  });
});
