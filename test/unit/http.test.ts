import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availability } from '../../src/checkers/availability.js';
import { latencyTable } from '../../src/checkers/latency.js';
import { Clock } from '../../src/clock.js';
import { type Plan, planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';
import { HistoryWriter } from '../../src/workload/history.js';
import { HttpRun, replicaTargets } from '../../src/workload/http.js';
import { HttpProbeSchema } from '../../src/workload/kinds.js';
import { probeTarget } from '../../src/workload/placement.js';
import { metaLine } from './histories.js';

const topology = parseTopology({
  shape: 'federation',
  regions: ['site-a', 'site-b', 'site-c'],
  links: { default: { latency: '30ms' } },
  clusters: [{ name: 'main', role: 'main', nodes: { 'site-a': 1 } }],
  services: [{ name: 'api', image: 'x:1', regions: ['site-a', 'site-b'], ports: [8080] }],
} as never);
const plan = planFederation(topology, 'h', 0);

describe('an http probe', () => {
  it('is served in its own region directly, and from another region through its own gateway toward the replica', () => {
    const a = plan.replicas.find((r) => r.region === 'site-a')!;
    expect(probeTarget(plan, 'http://api:8080/ws?id=1', 'site-a')).toEqual({
      replica: a,
      endpoint: `${a.address}:8080`,
      path: '/ws?id=1',
      host: 'api:8080',
    });
    // site-c has no replica: the first one (site-a's), through site-c's gateway, which pays c->a and a->c.
    const viaC = probeTarget(plan, 'http://api:8080/ws', 'site-c');
    const gwC = plan.gateways.find((g) => g.region === 'site-c')!;
    const proxy = gwC.proxies.find((p) => p.kind === 'svc' && p.upstream === `${a.address}:8080`)!;
    expect(viaC.endpoint).toBe(`${gwC.addresses['site-c']}:${proxy.listenPort}`);
    expect(proxy.toxics.length).toBeGreaterThan(0);
    // A replica by name: that one, even from another region.
    const b = plan.replicas.find((r) => r.region === 'site-b')!;
    expect(probeTarget(plan, `http://${b.name}:8080/`, 'site-a').replica).toEqual(b);
    expect(() => probeTarget(plan, 'http://web:8080/', 'site-a')).toThrow('no service or replica named "web"');
    expect(() => probeTarget(plan, 'http://api:9999/', 'site-a')).toThrow('api does not declare port 9999');
  });

  describe('against a real HTTP server', () => {
    let server: Server;
    let status = 200;
    let port = 0;
    beforeAll(async () => {
      // Answers `status` to a request that names the service as its Host, 400 to any other.
      server = createServer((req, res) => {
        res.statusCode = req.headers.host === `api:${port}` ? status : 400;
        res.end('x');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => server.close());

    it('records each request as an operation served by the replica, ok on the expected status and fail on another', async () => {
      // The site-a replica stands at 127.0.0.1:<port> (a plan whose replica is this server).
      const local: Plan = {
        ...plan,
        replicas: plan.replicas.map((r) => (r.region === 'site-a' ? { ...r, address: '127.0.0.1', ports: [{ port }] } : r)),
      };
      const meta = metaLine();
      meta.clusters = { ...meta.clusters, ...replicaTargets(local) };
      const history = new HistoryWriter(meta);
      const probe = HttpProbeSchema.parse({ kind: 'http', name: 'p1', regions: ['site-a'], url: `http://api:${port}/health`, rate: 50 });
      const run = new HttpRun(local, probe, { history, clock: new Clock() });
      run.start();
      await new Promise((r) => setTimeout(r, 300));
      status = 503;
      await new Promise((r) => setTimeout(r, 300));
      await run.stop();
      const ops = history.history.ops;
      const replica = local.replicas.find((r) => r.region === 'site-a')!.name;
      expect(ops.length).toBeGreaterThan(10);
      expect(ops.every((o) => o.kind === 'GET /health' && o.cluster === replica && o.workload === 'p1')).toBe(true);
      const firstFail = ops.findIndex((o) => o.outcome !== 'ok');
      expect(firstFail).toBeGreaterThan(3);
      expect(ops.slice(firstFail).every((o) => o.outcome === 'fail' && o.error === 'HTTP 503')).toBe(true);
      // Judged like any operation: served in site-a, and the 503s are errors.
      expect(latencyTable(history.history).map((p) => p.pair)).toEqual(['site-a->site-a']);
      expect(availability({ maxErrorRate: 0.1 })({ history: history.history, faults: [] }).status).toBe('fail');
    });

    it('fails a GET that gets no answer within its timeout, naming it', async () => {
      const silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const p = (silent.address() as AddressInfo).port;
      const local: Plan = {
        ...plan,
        replicas: plan.replicas.map((r) => (r.region === 'site-a' ? { ...r, address: '127.0.0.1', ports: [{ port: p }] } : r)),
      };
      const history = new HistoryWriter(metaLine());
      const run = new HttpRun(
        local,
        HttpProbeSchema.parse({ kind: 'http', name: 'p2', regions: ['site-a'], url: `http://api:${p}/`, timeout: '200ms', rate: 1 }),
        { history, clock: new Clock() },
      );
      run.start();
      await new Promise((r) => setTimeout(r, 100));
      await run.stop();
      silent.closeAllConnections();
      silent.close();
      const [op] = history.history.ops;
      expect(op).toMatchObject({ outcome: 'fail', error: 'no answer within 200 ms' });
      expect(op!.complete! - op!.invoke).toBeGreaterThanOrEqual(199);
    });
  });
});
