import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../../src/runtime/bringup.js';
import { medianRoundTrip as medianMs } from '../../src/runtime/cql.js';
import { connectEngine, type Engine } from '../../src/runtime/engine.js';
import { attach, type Federation } from '../../src/runtime/federation.js';
import { labelFilter } from '../../src/runtime/labels.js';
import * as topologies from './topologies.js';

const C = cassandra.types.consistencies;
let engine: Engine;
let duo: Federation;
let pair: Federation;

// Both federations come up at once: that also shows two federations side by side on one engine.
beforeAll(async () => {
  engine = await connectEngine();
  const results = await Promise.allSettled([
    up(engine, topologies.duo, { name: 'test-duo' }),
    up(engine, topologies.pair, { name: 'test-pair' }),
  ]);
  // Keep whichever came up, so afterAll removes it even when the other failed.
  [duo, pair] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as [Federation, Federation];
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  await duo.client('us-east-1', 'main').execute('CREATE TABLE IF NOT EXISTS app.kv (k text PRIMARY KEY, v text)');
  await pair.client('site-a').execute('CREATE TABLE IF NOT EXISTS app.kv (k text PRIMARY KEY, v text)');
});

afterAll(async () => {
  await Promise.all([duo?.down(), pair?.down()]);
});

describe('a federation of a Main and a Worker cluster in two regions', () => {
  it('serves a write made through one region to a read through the other', async () => {
    await duo
      .client('us-east-1', 'main')
      .execute('INSERT INTO app.kv (k, v) VALUES (?, ?)', ['hello', 'from us-east-1'], { consistency: C.localQuorum });
    const rs = await duo.client('eu-west-1', 'main').execute('SELECT v FROM app.kv WHERE k = ?', ['hello'], { consistency: C.localQuorum });
    expect(rs.first()?.v).toBe('from us-east-1');
  });

  it('adds the configured one-way latencies to a cross-region round trip and nothing inside a region', async () => {
    const q = 'SELECT release_version FROM system.local';
    const local = await medianMs(duo.client('us-east-1', 'main'), q);
    const remote = await medianMs(duo.client('eu-west-1', 'main'), q);
    // eu-west-1 -> us-east-1 is 40 ms, us-east-1 -> eu-west-1 is 100 ms: 140 ms on top of the query.
    expect(remote - local).toBeGreaterThan(140 * 0.9);
    expect(remote - local).toBeLessThan(140 * 1.1);
    expect(local).toBeLessThan(20);
  });

  it('keeps a registry on the Main Cluster that lists every cluster with its region', async () => {
    expect(await duo.registry()).toEqual([
      { name: 'main', region: 'us-east-1', role: 'main' },
      { name: 'worker-eu', region: 'eu-west-1', role: 'worker' },
    ]);
  });

  it('publishes every port on 127.0.0.1 only', async () => {
    const containers = await engine.containers(labelFilter('test-duo'), { running: true });
    const published = containers.flatMap((c) => c.ports.filter((p) => p.published));
    expect(published.length).toBeGreaterThan(0);
    expect(new Set(published.map((p) => p.ip))).toEqual(new Set(['127.0.0.1']));
  });

  it('can be found again by name from a fresh handle, as another process would', async () => {
    const again = await attach(engine, 'test-duo');
    try {
      expect(again.plan).toEqual(duo.plan);
      expect((await again.client('eu-west-1', 'worker-eu').execute('SELECT release_version FROM system.local')).rowLength).toBe(1);
    } finally {
      await again.close();
    }
  });
});

describe('a cluster stretched over two sites', () => {
  it('replicates a write made in one site to the other', async () => {
    await pair.client('site-a').execute('INSERT INTO app.kv (k, v) VALUES (?, ?)', ['x', 'written in a'], { consistency: C.eachQuorum });
    const rs = await pair.client('site-b').execute('SELECT v FROM app.kv WHERE k = ?', ['x'], { consistency: C.localOne });
    expect(rs.first()?.v).toBe('written in a');
  });

  it('pays the WAN round trip at EACH_QUORUM and not at LOCAL_QUORUM', async () => {
    const insert = 'INSERT INTO app.kv (k, v) VALUES (?, ?)';
    const each = await medianMs(pair.client('site-a'), insert, ['e', 'v'], { consistency: C.eachQuorum });
    const localQ = await medianMs(pair.client('site-a'), insert, ['l', 'v'], { consistency: C.localQuorum });
    expect(each).toBeGreaterThanOrEqual(60);
    expect(localQ).toBeLessThan(30);
  });
});

describe('down', () => {
  it('removes every container, network and volume of the federation, and a second down is harmless', async () => {
    const gone = await up(
      engine,
      {
        shape: 'federation',
        regions: ['solo'],
        clusters: [{ name: 'main', role: 'main', nodes: { solo: 1 } }],
      },
      { name: 'test-gone' },
    );
    await gone.down();
    await gone.down();
    const containers = await engine.containers(labelFilter('test-gone'));
    const networks = await engine.networks(labelFilter('test-gone'));
    const volumes = await engine.volumes(labelFilter('test-gone'));
    expect([...containers, ...networks, ...volumes]).toEqual([]);
    // The other federations were not touched.
    expect((await engine.containers(labelFilter('test-duo'), { running: true })).length).toBe(4);
  });
});
