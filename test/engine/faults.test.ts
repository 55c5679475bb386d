import { spawnSync } from 'node:child_process';
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
