import cassandra from 'cassandra-driver';
import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/runtime/catalog.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { localTag } from '../../src/runtime/images.js';
import { LABEL } from '../../src/runtime/labels.js';

// Smoke tests: each local image starts and answers, as users' containers would run it.
const labels = { [LABEL.managed]: 'true', [LABEL.federation]: 'smoke-tests', [LABEL.role]: 'smoke' };
const started: StartedTestContainer[] = [];
let network: StartedNetwork;

async function start(c: GenericContainer): Promise<StartedTestContainer> {
  const s = await c.withLabels(labels).start();
  started.push(s);
  return s;
}

beforeAll(async () => {
  network = await new Network().start();
});

afterAll(async () => {
  await Promise.all(started.map((c) => c.stop({ remove: true, removeVolumes: true }).catch(() => undefined)));
  await network?.stop();
  const engine = await connectEngine();
  const left = await engine.containers({ label: [`${LABEL.federation}=smoke-tests`] });
  expect(left.map((c) => c.name)).toEqual([]);
});

describe('local images', () => {
  it('Prometheus answers /-/ready, and a Toxiproxy proxy made with toxiproxy-node-client really forwards to it', async () => {
    const prometheus = await start(
      new GenericContainer(localTag(CATALOG.prometheus))
        .withNetwork(network)
        .withNetworkAliases('prometheus')
        .withExposedPorts(9090)
        .withWaitStrategy(Wait.forHttp('/-/ready', 9090)),
    );
    const ready = await fetch(`http://${prometheus.getHost()}:${prometheus.getMappedPort(9090)}/-/ready`);
    expect(ready.status).toBe(200);

    const toxiproxy = await start(
      new GenericContainer(localTag(CATALOG.toxiproxy))
        .withNetwork(network)
        .withExposedPorts(8474, 8666)
        .withWaitStrategy(Wait.forHttp('/version', 8474)),
    );
    const api = new Toxiproxy(`http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(8474)}`);
    expect(await api.getVersion()).toContain('2.12.0');
    const proxy = await api.createProxy({ name: 'prometheus', listen: '0.0.0.0:8666', upstream: 'prometheus:9090' });
    const through = `http://${toxiproxy.getHost()}:${toxiproxy.getMappedPort(8666)}`;
    expect(await (await fetch(`${through}/-/ready`)).text()).toMatch(/Ready/);
    // The proxy is real: a latency toxic slows the same request by its amount.
    await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 300, jitter: 0 } });
    const t0 = performance.now();
    await fetch(`${through}/-/ready`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it('Alertmanager answers /-/ready', async () => {
    const am = await start(
      new GenericContainer(localTag(CATALOG.alertmanager)).withExposedPorts(9093).withWaitStrategy(Wait.forHttp('/-/ready', 9093)),
    );
    const r = await fetch(`http://${am.getHost()}:${am.getMappedPort(9093)}/api/v2/status`);
    expect(((await r.json()) as { cluster: { status: string } }).cluster.status).toBe('disabled');
  });

  it('a Cassandra node answers SELECT release_version through cassandra-driver and serves Prometheus metrics', async () => {
    const node = await start(
      new GenericContainer(localTag(CATALOG.cassandra))
        .withEnvironment({ FEDSIM_HEAP: '512M', FEDSIM_DC: 'dc1' })
        .withExposedPorts(9042, 7070)
        // "Starting listening for CQL clients" is logged just before the port is bound; this is after.
        .withWaitStrategy(Wait.forLogMessage(/Startup complete/).withStartupTimeout(120_000)),
    );
    const client = new cassandra.Client({ contactPoints: [`${node.getHost()}:${node.getMappedPort(9042)}`], localDataCenter: 'dc1' });
    try {
      const rs = await client.execute('SELECT release_version FROM system.local');
      expect(rs.first().release_version).toBe(CATALOG.cassandra.version);
    } finally {
      await client.shutdown();
    }
    const metrics = await (await fetch(`http://${node.getHost()}:${node.getMappedPort(7070)}/metrics`)).text();
    expect(metrics).toMatch(/^cassandra_clientrequest_latency_count\{scope="Read"/m);
  });
});
