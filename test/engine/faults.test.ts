import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/runtime/bringup.js';
import { medianRoundTrip, regionClient } from '../../src/runtime/cql.js';
import { connectEngine, type Engine } from '../../src/runtime/engine.js';
import { Faults } from '../../src/runtime/faults.js';
import type { Federation } from '../../src/runtime/federation.js';
import { GatewayApi } from '../../src/runtime/gateway.js';
import * as topologies from './topologies.js';

const C = cassandra.types.consistencies;
const cli = join(import.meta.dirname, '../../dist/src/cli.js');
let engine: Engine;
let duo: Federation;
let pair: Federation;
const extraClients: cassandra.Client[] = [];

/** A session of one region on one cluster with short timeouts, so failures show within seconds. */
function impatientClient(fed: Federation, region: string, cluster: string): cassandra.Client {
  const c = fed.cluster(cluster);
  const addresses = fed.plan.nodes.filter((n) => n.cluster === c.name).map((n) => n.address);
  const endpoints = Object.fromEntries(addresses.map((a) => [a, fed.endpoints[region]![a]!]));
  const client = regionClient({
    endpoints,
    localDataCenter: c.regions.includes(region) ? region : c.regions[0]!,
    readTimeoutMs: 3000,
    heartBeatMs: 1000,
  });
  extraClients.push(client);
  return client;
}

function fedsim(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI without blocking this process: a socket this test serves must keep answering meanwhile. */
function fedsimAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * Resolves when the driver's own view of the session's hosts is `up` (all up) or down (none up),
 * with the time it took. Polled, because a host that comes back may be replaced in the driver's
 * metadata (hostRemove, hostAdd) instead of emitting hostUp.
 */
async function driverSees(client: cassandra.Client, state: 'up' | 'down', ms: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const hosts = client.hosts.values();
    if (hosts.length && hosts.every((h) => h.isUp() === (state === 'up'))) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`the driver did not see its hosts ${state} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Retries a query until it succeeds (the driver reconnects to a node that came back within ~1 s). */
async function eventually<T>(f: () => Promise<T>, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() - t0 > ms) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

beforeAll(async () => {
  engine = await connectEngine();
  const results = await Promise.allSettled([
    up(engine, topologies.duo, { name: 'fault-duo' }),
    up(engine, topologies.pair, { name: 'fault-pair' }),
  ]);
  [duo, pair] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as [Federation, Federation];
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  await pair.client('site-a').execute('CREATE TABLE IF NOT EXISTS app.kv (k text PRIMARY KEY, v text)');
});

afterAll(async () => {
  await Promise.all(extraClients.map((c) => c.shutdown().catch(() => undefined)));
  await Promise.all([duo?.down(), pair?.down()]);
});

/** Every gateway holds only its baseline toxics, every proxy is enabled, every node runs. */
async function expectDeclaredState(fed: Federation): Promise<void> {
  for (const gw of fed.plan.gateways) {
    for (const p of await new GatewayApi(gw.region, fed.gatewayApis[gw.region]!).proxies()) {
      expect(p.enabled, `${gw.region}/${p.name} enabled`).toBe(true);
      expect(p.toxics.map((t) => t.name).sort(), `${gw.region}/${p.name} toxics`).toEqual(
        gw.proxies
          .find((x) => x.name === p.name)!
          .toxics.map((t) => t.name)
          .sort(),
      );
    }
  }
  for (const n of fed.plan.nodes) {
    const s = await engine.inspect(n.container);
    expect({ node: n.name, running: s.running, paused: s.paused }).toEqual({ node: n.name, running: true, paused: false });
  }
}

describe('link faults', () => {
  it('adds 150 ms to one direction only, on top of the baseline, and heal restores the baseline', async () => {
    const faults = new Faults(duo);
    const toWorker = duo.client('us-east-1', 'worker-eu');
    const before = await medianRoundTrip(toWorker);
    // Baseline round trip: 100 ms us->eu plus 40 ms back.
    expect(before).toBeGreaterThan(140);
    expect(before).toBeLessThan(160);
    const f = await faults.inject({ kind: 'latency', target: 'us-east-1->eu-west-1', latency: '150ms', jitter: '10ms' });
    expect(f.effect!.t - f.asked.t).toBeLessThan(1000);
    const during = await medianRoundTrip(toWorker, undefined, [], {}, 15);
    // One direction: the round trip grows by 150 ms (both directions would add 300).
    expect(during - before).toBeGreaterThan(135);
    expect(during - before).toBeLessThan(170);
    // The eu client's round trip to the Main Cluster crosses us->eu once too, on the way back.
    const fromEu = await medianRoundTrip(duo.client('eu-west-1', 'main'), undefined, [], {}, 15);
    expect(fromEu - before).toBeGreaterThan(135);
    expect(fromEu - before).toBeLessThan(170);
    await faults.heal();
    const after = await medianRoundTrip(toWorker);
    expect(Math.abs(after - before)).toBeLessThan(0.1 * before);
    await expectDeclaredState(duo);
  });

  it('a partition fails requests across it within the driver timeout while each side keeps working', async () => {
    const faults = new Faults(duo);
    const toWorker = impatientClient(duo, 'us-east-1', 'worker-eu');
    await toWorker.execute('SELECT release_version FROM system.local');
    await faults.inject({ kind: 'partition', target: 'us-east-1|eu-west-1' });
    const t0 = Date.now();
    await expect(toWorker.execute('SELECT release_version FROM system.local')).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(3000 + 1500);
    // The Main Cluster in us-east-1 still answers its own region.
    await duo.client('us-east-1', 'main').execute('SELECT release_version FROM system.local');
    await faults.heal();
    await eventually(() => toWorker.execute('SELECT release_version FROM system.local'));
    await expectDeclaredState(duo);
  });

  it('in a stretched cluster a partition keeps LOCAL_QUORUM working and fails EACH_QUORUM until heal', async () => {
    const faults = new Faults(pair);
    const a = pair.client('site-a');
    const write = (k: string, consistency: number) => a.execute('INSERT INTO app.kv (k, v) VALUES (?, ?)', [k, 'v'], { consistency });
    await write('before', C.eachQuorum);
    await faults.inject({ kind: 'partition', target: 'site-a|site-b' });
    await write('local', C.localQuorum);
    await expect(write('each', C.eachQuorum)).rejects.toThrow(/timeout|unavailable|replica/i);
    await faults.heal();
    await eventually(() => write('each-after', C.eachQuorum));
    await write('local-after', C.localQuorum);
    await expectDeclaredState(pair);
  });
});

describe('node faults', () => {
  for (const kind of ['kill', 'stop', 'pause'] as const) {
    it(`${kind} of a node is seen by the driver as host down, and heal brings it up`, async () => {
      const faults = new Faults(duo);
      const client = impatientClient(duo, 'eu-west-1', 'worker-eu');
      await client.execute('SELECT release_version FROM system.local');
      await faults.inject({ kind, target: 'worker-eu-eu-west-1-1' });
      // A frozen node is only noticed when a request or a heartbeat times out.
      await driverSees(client, 'down', 30_000);
      await faults.heal();
      await driverSees(client, 'up', 30_000);
      // Up again in the driver's view; its pool may still be replacing the connections it dropped.
      await eventually(() => client.execute('SELECT release_version FROM system.local'), 10_000);
    });
  }

  it("a single-node cluster's node killed and started again: its region's session serves within 3 s of the node answering", async () => {
    // A session as a workload's (12 s read timeout): its only host and its control connection both go.
    const worker = duo.cluster('worker-eu');
    const address = duo.plan.nodes.find((n) => n.cluster === worker.name)!.address;
    const client = regionClient({ endpoints: { [address]: duo.endpoints['eu-west-1']![address]! }, localDataCenter: 'eu-west-1' });
    extraClients.push(client);
    const query = () => client.execute('SELECT release_version FROM system.local');
    await query();
    const faults = new Faults(duo);
    await faults.inject({ kind: 'kill', target: 'worker-eu-eu-west-1-1' });
    await driverSees(client, 'down', 10_000);
    // Reconnection attempts pile up at the gateway while the node is gone, as in an outage.
    await new Promise((r) => setTimeout(r, 5000));
    // Heal returns once the node answers CQL through the eu-west-1 gateway.
    await faults.heal();
    const t0 = Date.now();
    for (;;) {
      const ok = await query().then(
        () => true,
        () => false,
      );
      if (ok) break;
      // Without failing a connection that the gateway closes, the driver waits up to 13 s here.
      expect(Date.now() - t0, 'time from the node answering until the session served').toBeLessThan(3000);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('restart is down then up again with no heal', async () => {
    const faults = new Faults(duo);
    const client = impatientClient(duo, 'eu-west-1', 'worker-eu');
    await client.execute('SELECT release_version FROM system.local');
    let sawDown = false;
    client.once('hostDown', () => {
      sawDown = true;
    });
    const f = await faults.inject({ kind: 'restart', target: 'region:eu-west-1' });
    expect(f.nodes).toEqual(['worker-eu-eu-west-1-1']);
    expect(sawDown).toBe(true);
    await driverSees(client, 'up', 60_000);
    expect(await faults.active()).toEqual([]);
  });

  it('wipe brings a node back empty: a read at ONE there finds nothing until repair', async () => {
    const faults = new Faults(pair);
    const a = pair.client('site-a');
    const b = pair.client('site-b');
    await a.execute('INSERT INTO app.kv (k, v) VALUES (?, ?)', ['kept', 'v'], { consistency: C.all });
    const read = (c: cassandra.Client) => c.execute('SELECT v FROM app.kv WHERE k = ?', ['kept'], { consistency: C.localOne });
    expect((await read(b)).rows).toHaveLength(1);
    await faults.inject({ kind: 'wipe', target: 'geo-site-b-1' });
    await faults.heal();
    expect((await eventually(() => read(b))).rows).toHaveLength(0);
    expect((await read(a)).rows).toHaveLength(1);
    await expectDeclaredState(pair);
  });
});

describe('region outage', () => {
  it("takes every node of a region down; the other region's clients keep working; heal brings it back", async () => {
    const faults = new Faults(duo);
    const toWorker = impatientClient(duo, 'us-east-1', 'worker-eu');
    await toWorker.execute('SELECT release_version FROM system.local');
    const f = await faults.inject({ kind: 'outage', target: 'eu-west-1' });
    expect(f.nodes).toEqual(['worker-eu-eu-west-1-1']);
    await expect(toWorker.execute('SELECT release_version FROM system.local')).rejects.toThrow();
    await duo.client('us-east-1', 'main').execute('SELECT release_version FROM system.local');
    const r = await faults.heal();
    expect(r.nodesStarted).toEqual(['worker-eu-eu-west-1-1']);
    await eventually(() => toWorker.execute('SELECT release_version FROM system.local'));
    await expectDeclaredState(duo);
  });
});

describe('faults outlive the process that injected them', () => {
  it('a second process lists and heals what the first injected; bad input changes nothing', async () => {
    const bad = fedsim(['fault', 'latency', 'us-east-1->mars', '--latency', '50ms', '-f', 'fault-duo']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('fedsim: Unknown region "mars" in "us-east-1->mars"; the regions are us-east-1, eu-west-1.');
    const range = fedsim(['fault', 'latency', 'us-east-1->eu-west-1', '--latency', '5m', '-f', 'fault-duo']);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/latency: expected at most 1m/);

    const injected = fedsim(['fault', 'latency', 'eu-west-1<->us-east-1', '--latency', '20ms', '-f', 'fault-duo']);
    expect(injected.code, injected.stderr).toBe(0);
    const stall = fedsim(['fault', 'pause', 'cluster:worker-eu', '-f', 'fault-duo']);
    expect(stall.code, stall.stderr).toBe(0);
    const listed = JSON.parse(fedsim(['faults', '--json', '-f', 'fault-duo']).stdout) as { spec: { kind: string } }[];
    expect(listed.map((f) => f.spec.kind).sort()).toEqual(['latency', 'pause']);
    // The other federation is untouched.
    expect(JSON.parse(fedsim(['faults', '--json', '-f', 'fault-pair']).stdout)).toEqual([]);

    const healed = fedsim(['heal', '-f', 'fault-duo']);
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stdout).toMatch(/2 fault record\(s\) cleared; 4 toxic\(s\) removed; unpaused worker-eu-eu-west-1-1/);
    expect(JSON.parse(fedsim(['faults', '--json', '-f', 'fault-duo']).stdout)).toEqual([]);
    await expectDeclaredState(duo);
    const again = fedsim(['heal', '-f', 'fault-duo']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 fault record\(s\) cleared; 0 toxic\(s\) removed/);
  });
});

describe('fault ids: heal one, update one, JSON for scripts', () => {
  /** The toxics of a fault (by its id) on every gateway of duo, with their attributes. */
  async function toxicsOf(id: string): Promise<Record<string, number>[]> {
    const all = await Promise.all(duo.plan.gateways.map((g) => new GatewayApi(g.region, duo.gatewayApis[g.region]!).proxies()));
    return all.flat().flatMap((p) => p.toxics.filter((t) => t.name.startsWith(`fault-${id}-`)).map((t) => t.attributes));
  }

  it('fault prints the id that heal ID and fault update ID take; kinds with nothing to change are refused in one sentence', async () => {
    const f = ['-f', 'fault-duo'];
    const plain = fedsim(['fault', 'latency', 'us-east-1->eu-west-1', '--latency', '20ms', ...f]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^[0-9a-f]{8}\n$/);
    const latency = plain.stdout.trim();
    expect(await toxicsOf(latency)).toEqual([
      { latency: 20, jitter: 0 },
      { latency: 20, jitter: 0 },
    ]);

    const paused = fedsim(['fault', 'pause', 'cluster:worker-eu', '--json', ...f]);
    expect(paused.code, paused.stderr).toBe(0);
    const record = JSON.parse(paused.stdout);
    expect(record).toMatchObject({ federation: 'fault-duo', kind: 'pause', target: 'cluster:worker-eu', nodes: ['worker-eu-eu-west-1-1'] });
    expect(record.id).toMatch(/^[0-9a-f]{8}$/);
    expect(record.effect.wall).toEqual(expect.any(String));

    // The toxics change in place on both gateways (Toxiproxy's toxic update).
    const updated = fedsim(['fault', 'update', latency, '--latency', '200ms', '--jitter', '10ms', '--json', ...f]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ federation: 'fault-duo', id: latency, spec: { latency: 200, jitter: 10 } });
    expect(await toxicsOf(latency)).toEqual([
      { latency: 200, jitter: 10 },
      { latency: 200, jitter: 10 },
    ]);
    const listed = JSON.parse(fedsim(['faults', '--json', ...f]).stdout) as { id: string; spec: { latency?: number } }[];
    expect(listed.find((x) => x.id === latency)!.spec.latency).toBe(200);

    // Bad updates: one sentence, exit 2, nothing changed.
    const one = (r: { code: number | null; stderr: string }, pattern: RegExp) => {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(pattern);
    };
    one(
      fedsim(['fault', 'update', record.id, '--latency', '5ms', ...f]),
      /^fedsim: A pause fault has no parameters to change while it is active; `fedsim heal [0-9a-f]{8}` undoes it, then inject another\.$/,
    );
    one(fedsim(['fault', 'update', latency, '--jitter', '300ms', ...f]), /jitter: jitter larger than the latency/);
    one(fedsim(['fault', 'update', latency, '--rate', '5', ...f]), /latency takes no "rate"/);
    one(
      fedsim(['fault', 'update', latency, ...f]),
      /^fedsim: Give the parameters of fault [0-9a-f]{8} to change \(latency takes latency, jitter\)\.$/,
    );
    one(fedsim(['fault', 'update', 'feedbeef', '--latency', '5ms', ...f]), /^fedsim: No fault feedbeef is active in fault-duo; /);
    one(fedsim(['fault', 'update', 'feedbeef', '--latency', '5ms']), /^fedsim: No fault feedbeef is active in any federation; /);
    one(
      fedsim(['heal', 'feedbeef', ...f]),
      /^fedsim: No fault feedbeef is active in fault-duo \(active: [0-9a-f, ]+\); `fedsim faults` lists them\.$/,
    );
    expect(await toxicsOf(latency)).toEqual([
      { latency: 200, jitter: 10 },
      { latency: 200, jitter: 10 },
    ]);

    // heal ID undoes that fault only; the last one healed waits until the federation answers.
    const first = fedsim(['heal', latency, '--json', ...f]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ federation: 'fault-duo', healed: [latency], faultsLeft: 1 });
    expect(await toxicsOf(latency)).toEqual([]);
    expect((await engine.inspect(duo.plan.nodes.find((n) => n.cluster === 'worker-eu')!.container)).paused).toBe(true);
    // An id says which federation it is in: no -f needed with two up (fault-duo, fault-pair).
    const last = fedsim(['heal', record.id]);
    expect(last.code, last.stderr).toBe(0);
    expect(last.stdout).toMatch(new RegExp(`^fault ${record.id} undone in [\\d.]+ s: pause cluster:worker-eu; fault-duo answers again\n$`));
    expect(JSON.parse(fedsim(['faults', '--json', ...f]).stdout)).toEqual([]);
    await expectDeclaredState(duo);

    const healAll = JSON.parse(fedsim(['heal', '--json', ...f]).stdout);
    expect(healAll).toMatchObject({ federation: 'fault-duo', faults: 0, toxicsRemoved: 0, nodesStarted: [], nodesUnpaused: [] });
    expect(healAll.seconds).toEqual(expect.any(Number));
  });

  it('a stress fault is updated in place: the container gets the new CPU quota', async () => {
    const node = duo.plan.nodes.find((n) => n.cluster === 'main')!;
    const quota = async () => (await engine.limits(node.container)).cpuQuota;
    const id = fedsim(['fault', 'stress', node.name, '--cpu', '50', '-f', 'fault-duo']).stdout.trim();
    expect(await quota()).toBe(50_000);
    const r = fedsim(['fault', 'update', id, '--cpu', '25', '-f', 'fault-duo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${id}\n`);
    expect(await quota()).toBe(25_000);
    expect(fedsim(['heal', id, '-f', 'fault-duo']).code).toBe(0);
    expect(await quota()).toBeLessThanOrEqual(0);
  });

  it('doctor finds the engine through a docker context and says so; status and down answer in JSON', async () => {
    // A docker context whose endpoint is a socket of its own (forwarding to the engine), found by
    // DOCKER_CONFIG's currentContext, with no DOCKER_HOST: what `docker context use` sets up.
    const dir = mkdtempSync(join(tmpdir(), 'fedsim-context-'));
    const socket = join(dir, 'engine.sock');
    const server = createServer((client) => {
      const upstream = createConnection('/var/run/docker.sock');
      for (const s of [client, upstream]) s.on('error', () => undefined);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const hash = createHash('sha256').update('elsewhere').digest('hex');
    mkdirSync(join(dir, 'contexts', 'meta', hash), { recursive: true });
    writeFileSync(
      join(dir, 'contexts', 'meta', hash, 'meta.json'),
      JSON.stringify({ Name: 'elsewhere', Endpoints: { docker: { Host: `unix://${socket}` } } }),
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ currentContext: 'elsewhere' }));
    try {
      const r = await fedsimAsync(['doctor', '--json'], { DOCKER_HOST: '', DOCKER_CONFIG: dir });
      expect(r.code, r.stderr).toBe(0);
      const found = JSON.parse(r.stdout).engine;
      expect(found).toMatchObject({ found: true, endpoint: `unix://${socket}`, why: `docker context elsewhere (${dir}/config.json)` });
      expect(found.version).toBe(engine.version);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const status = JSON.parse(fedsim(['status', 'fault-duo', '--json']).stdout) as {
      name: string;
      containers: { role: string; state: string }[];
    }[];
    expect(status.map((x) => x.name)).toEqual(['fault-duo']);
    expect(status[0]!.containers.filter((c) => c.role === 'node').map((c) => c.state)).toEqual(['up', 'up']);
    const down = fedsim(['down', 'not-up-here', '--json']);
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toEqual({ removed: [{ federation: 'not-up-here', containers: 0, networks: 0 }] });
  });
});

describe('a fault that cannot be applied whole', () => {
  it('is reverted where it was applied, says so, and leaves no record', async () => {
    const faults = new Faults(duo);
    const euGateway = duo.plan.gateways.find((g) => g.region === 'eu-west-1')!;
    // The eu gateway stops answering; the us gateway still takes its half of the partition.
    await engine.stop(euGateway.container, 0);
    await expect(faults.inject({ kind: 'partition', target: 'us-east-1|eu-west-1' })).rejects.toThrow(
      // The eu gateway cannot have its (never added) toxics removed either: the message says heal is the way back.
      /^Could not inject partition on us-east-1\|eu-west-1: The gateway of eu-west-1 .* does not answer: .*; undoing what was applied failed too \(.*\); `fedsim heal` restores the federation\.$/,
    );
    const us = duo.plan.gateways.find((g) => g.region === 'us-east-1')!;
    for (const p of await new GatewayApi(us.region, duo.gatewayApis[us.region]!).proxies())
      expect(p.toxics.map((t) => t.name).sort()).toEqual(
        us.proxies
          .find((x) => x.name === p.name)!
          .toxics.map((t) => t.name)
          .sort(),
      );
    expect(await faults.active()).toEqual([]);
  });
});
