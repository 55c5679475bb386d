import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CATALOG } from '../../src/runtime/catalog.js';
import { connectEngine, type Engine } from '../../src/runtime/engine.js';
import { localTag } from '../../src/runtime/images.js';
import { labelFilter } from '../../src/runtime/labels.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology, type TopologyInput } from '../../src/topology/schema.js';
import { fedsim, root } from './fedsim.js';

/**
 * The user's own system inside the federation: services built and run in regions, any client's WAN
 * below the application (a default Python driver in a replica, a default Node driver on the host
 * through `fedsim exec`), faults on replicas, and the bad inputs. One federation for the file.
 */
const NAME = 'test-svc';
const AB = 25;
const BA = 35;
const ROUND_TRIP = AB + BA;
const dir = mkdtempSync(join(tmpdir(), 'fedsim-svc-'));
const webDir = join(root, 'test/fixtures/services/web');

const topology: TopologyInput = {
  shape: 'federation',
  regions: ['site-a', 'site-b'],
  links: {
    pairs: [
      { from: 'site-a', to: 'site-b', latency: `${AB}ms` },
      { from: 'site-b', to: 'site-a', latency: `${BA}ms` },
    ],
  },
  clusters: [
    { name: 'main', role: 'main', nodes: { 'site-a': 1 }, memory: '1g' },
    { name: 'worker-b', role: 'worker', nodes: { 'site-b': 1 }, memory: '1g' },
  ],
  services: [
    {
      name: 'web',
      build: webDir,
      command: 'python3 -m http.server 8080',
      regions: ['site-a', 'site-b'],
      ports: [8080],
      ready: { http: { port: 8080 }, timeout: '60s' },
    },
    {
      name: 'tool',
      image: localTag(CATALOG.base),
      command: 'sleep infinity',
      regions: ['site-b'],
      ready: { command: ['true'] },
      after: ['web', 'main'],
    },
  ],
};
const plan = planFederation(parseTopology(topology), NAME, 0);
const node = (cluster: string) => plan.nodes.find((n) => n.cluster === cluster)!;
let engine: Engine;

function writeTopology(file: string, t: TopologyInput): string {
  const path = join(dir, file);
  writeFileSync(path, stringify(t));
  return path;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The brief's fidelity bound: within 5% or 2 ms of the configured round trip, whichever is larger. */
const tolerance = Math.max(ROUND_TRIP * 0.05, 2);

type ProbeResult = Record<string, { ok: true; times: number[] } | { ok: false; error: string; seconds: number }>;

async function pythonProbe(replica: string, targets: Record<string, string>): Promise<ProbeResult> {
  const args = Object.entries(targets).map(([k, v]) => `${k}=${v}`);
  const r = await engine.exec(`fedsim-${NAME}-${replica}`, ['python3', '/app/probe.py', ...args], 120_000);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.output.trim().split('\n').pop()!);
}

/** Paired round trips (the two paths taking turns) minus each other: the latency the remote path adds. */
function added(r: ProbeResult, remote = 'remote', local = 'local'): { added: number; local: number } {
  const a = r[remote]!;
  const b = r[local]!;
  if (!a.ok || !b.ok) throw new Error(`a probe failed: ${JSON.stringify(r)}`);
  const n = Math.min(a.times.length, b.times.length);
  return { added: median(a.times.slice(0, n).map((t, i) => t - b.times[i]!)), local: median(b.times) };
}

/** curl from inside a replica, the URLs taking turns: ms per request, NaN where it failed (no HTTP status). */
async function curlTimes(replica: string, urls: string[], n = 15): Promise<{ code: number; times: number[][] }> {
  // -w prints even when curl fails; a failed request has http_code 000.
  const loop = urls.map((u) => `curl -s -o /dev/null --max-time 3 -w '%{http_code} %{time_total}\\n' ${u}`).join('; ');
  const r = await engine.exec(`fedsim-${NAME}-${replica}`, ['sh', '-c', `for i in $(seq ${n}); do ${loop}; done`], 120_000);
  const lines = r.output.trim().split('\n');
  const ms = (l: string) => (l.startsWith('000') ? Number.NaN : Number(l.split(' ')[1]) * 1000);
  const times = urls.map((_, j) => lines.filter((_, i) => i % urls.length === j).map(ms));
  return { code: r.code, times };
}

beforeAll(async () => {
  engine = await connectEngine();
  const r = await fedsim(['up', writeTopology('svc.yaml', topology), '--name', NAME, '--json']).done;
  expect(r.code, r.stderr).toBe(0);
  upJson = r.stdout;
}, 600_000);

afterAll(async () => {
  await fedsim(['down', NAME]).done;
  rmSync(dir, { recursive: true, force: true });
});

/** What `fedsim up --json` printed. */
let upJson = '';

describe('services in a federation', () => {
  it('up --json prints the endpoints, the same `fedsim endpoints --json` gives', async () => {
    const printed = JSON.parse(upJson);
    expect(printed.federation).toBe(NAME);
    expect(printed.seconds).toBeGreaterThan(0);
    const endpoints = JSON.parse((await fedsim(['endpoints', NAME, '--json']).done).stdout);
    expect(printed.regions).toEqual(endpoints.regions);
    expect(printed.regions.map((r: { region: string }) => r.region)).toEqual(topology.regions);
    const web = printed.regions.flatMap((r: { services: { replica: string; ports: { published?: string }[] }[] }) => r.services);
    expect(web.find((s: { replica: string }) => s.replica === 'web-site-b-1').ports[0].published).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('lists each replica in status with what its published port is, and the port serves the replica', async () => {
    const r = await fedsim(['status', NAME, '--json']).done;
    const containers = JSON.parse(r.stdout)[0].containers as { name: string; role: string; service?: string; ports: string[] }[];
    const services = containers.filter((c) => c.role === 'service');
    expect(services.map((c) => c.name).sort()).toEqual(['tool-site-b-1', 'web-site-a-1', 'web-site-b-1']);
    const web = services.find((c) => c.name === 'web-site-b-1')!;
    expect(web.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+->web:8080$/)]);
    const gateway = containers.find((c) => c.role === 'gateway' && c.name.endsWith('gw-site-a'))!;
    expect(gateway.ports).toContainEqual(expect.stringMatching(/^127\.0\.0\.1:\d+->cql worker-b-site-b-1$/));
    const res = await fetch(`http://${web.ports[0]!.split('->')[0]}/probe.py`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('default Python cassandra-driver');
  });

  it("gives each replica its region's view: FEDSIM_* variables and the names of nodes and replicas", async () => {
    const r = await engine.exec(`fedsim-${NAME}-tool-site-b-1`, ['sh', '-c', 'env; getent hosts web web-site-a-1']);
    expect(r.output).toContain('FEDSIM_REGION=site-b');
    expect(r.output).toContain(`FEDSIM_CLUSTER_MAIN_CONTACT_POINTS=${node('main').address}:9042`);
    expect(r.output).toContain('FEDSIM_CLUSTER_MAIN_DATACENTER=site-a');
    expect(r.output).toMatch(/^10\.213\.\d+\.150\s+web$/m);
  });

  it('a default Python driver in a replica pays A->B + B->A to a node of another region, and nothing to one of its own', async () => {
    const r = await pythonProbe('web-site-a-1', { remote: `${node('worker-b').address}:9042`, local: `${node('main').address}:9042` });
    const { added: extra, local } = added(r);
    expect(Math.abs(extra - ROUND_TRIP), `added ${extra.toFixed(1)} ms, configured ${ROUND_TRIP}`).toBeLessThanOrEqual(tolerance);
    // A link's latency on the local path would be tens of ms.
    expect(local).toBeLessThan(AB);
  });

  it('HTTP from a replica to a replica of another region pays the link, and to its own region nothing', async () => {
    const { times } = await curlTimes('web-site-a-1', ['http://web-site-b-1:8080/', 'http://web:8080/']);
    const [remote, local] = times as [number[], number[]];
    const extra = median(remote.map((t, i) => t - local[i]!));
    expect(Math.abs(extra - ROUND_TRIP), `added ${extra.toFixed(1)} ms`).toBeLessThanOrEqual(tolerance);
    expect(median(local)).toBeLessThan(AB);
  });

  it('a default driver on the host under `fedsim exec` sees the same WAN; the exit code is passed through', async () => {
    const probe = join(root, 'test/fixtures/services/probe.mjs');
    const r = await fedsim([
      'exec',
      '-f',
      NAME,
      'site-a',
      '--',
      process.execPath,
      probe,
      `remote=${node('worker-b').address}:9042:site-b`,
      `local=${node('main').address}:9042:site-a`,
    ]).done;
    expect(r.code, r.stderr).toBe(0);
    const { added: extra, local } = added(JSON.parse(r.stdout.trim().split('\n').pop()!));
    expect(Math.abs(extra - ROUND_TRIP), `added ${extra.toFixed(1)} ms`).toBeLessThanOrEqual(tolerance);
    expect(local).toBeLessThan(AB);
    const env = await fedsim(['exec', '-f', NAME, 'site-b', '--', 'sh', '-c', 'echo $FEDSIM_REGION; exit 7']).done;
    expect(env.code).toBe(7);
    expect(env.stdout.trim()).toBe('site-b');
  });

  it('endpoints: contact points and datacenter per region, published ports, the host address map; --env prints exports', async () => {
    const r = await fedsim(['endpoints', NAME, '--json']).done;
    expect(r.code, r.stderr).toBe(0);
    const { regions } = JSON.parse(r.stdout);
    const a = regions.find((x: { region: string }) => x.region === 'site-a');
    expect(a.clusters).toEqual([
      { name: 'main', datacenter: 'site-a', contactPoints: [`${node('main').address}:9042`] },
      { name: 'worker-b', datacenter: 'site-b', contactPoints: [`${node('worker-b').address}:9042`] },
    ]);
    expect(a.services).toEqual([
      {
        name: 'web',
        replica: 'web-site-a-1',
        address: plan.replicas[0]!.address,
        ports: [{ port: 8080, published: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }],
      },
    ]);
    // The address map leads through site-a's gateway: the remote node there costs the round trip.
    const remote = a.addressMap[`${node('worker-b').address}:9042`] as string;
    expect(remote).toMatch(/^127\.0\.0\.1:\d+$/);
    const env = await fedsim(['endpoints', NAME, '--region', 'site-b', '--env']).done;
    expect(env.stdout).toContain("export FEDSIM_REGION='site-b'\n");
    expect(env.stdout).toMatch(/^export FEDSIM_CLUSTER_MAIN_HOST_CONTACT_POINTS='127\.0\.0\.1:\d+'$/m);
    expect(env.stdout).toMatch(/^export FEDSIM_SERVICE_WEB_PUBLISHED='127\.0\.0\.1:\d+'$/m);
  });

  it('a partition cuts the remote path within its timeout while the local one works; after heal it works again', async () => {
    const cut = await fedsim(['fault', 'partition', 'site-a|site-b', '-f', NAME]).done;
    expect(cut.code, cut.stderr).toBe(0);
    try {
      const r = await pythonProbe('web-site-a-1', { remote: `${node('worker-b').address}:9042`, local: `${node('main').address}:9042` });
      expect(r.remote?.ok).toBe(false);
      // connect_timeout 3 s (and a query timeout of 3 s): failed in time, not hung.
      expect((r.remote as { seconds: number }).seconds).toBeLessThan(10);
      expect(r.local?.ok).toBe(true);
      const http = await curlTimes('web-site-a-1', ['http://web-site-b-1:8080/', 'http://web:8080/'], 1);
      expect(http.times[0]![0]).toBeNaN();
      expect(http.times[1]![0]).toBeLessThan(1000);
    } finally {
      const heal = await fedsim(['heal', '-f', NAME]).done;
      expect(heal.code, heal.stderr).toBe(0);
    }
    const again = await pythonProbe('web-site-a-1', { remote: `${node('worker-b').address}:9042` });
    expect(again.remote?.ok, JSON.stringify(again)).toBe(true);
  });

  it('a kill of one replica fails requests to it while the other region serves; heal brings it back ready', async () => {
    const kill = await fedsim(['fault', 'kill', 'web-site-b-1', '-f', NAME]).done;
    expect(kill.code, kill.stderr).toBe(0);
    const during = await curlTimes('web-site-a-1', ['http://web-site-b-1:8080/', 'http://web:8080/'], 3);
    expect(during.times[0]!.every(Number.isNaN)).toBe(true);
    expect(during.times[1]!.every((t) => t < 1000)).toBe(true);
    const listed = await fedsim(['faults', '-f', NAME, '--json']).done;
    expect(JSON.parse(listed.stdout)[0]).toMatchObject({ spec: { kind: 'kill', target: 'web-site-b-1' } });
    const heal = await fedsim(['heal', '-f', NAME]).done;
    expect(heal.code, heal.stderr).toBe(0);
    // heal waited for its readiness: it answers at once.
    const after = await curlTimes('web-site-a-1', ['http://web-site-b-1:8080/'], 1);
    expect(after.times[0]![0]).toBeGreaterThan(0);
  });

  it('service:NAME targets every replica of a service, and wipe refuses a replica', async () => {
    const r = await fedsim(['fault', 'pause', 'service:tool', '-f', NAME, '--for', '1s']).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('tool-site-b-1');
    const wipe = await fedsim(['fault', 'wipe', 'service:web', '-f', NAME]).done;
    expect(wipe.code).toBe(2);
    expect(wipe.stderr).toContain('wipe empties a database node');
  });
});

describe('bad services: one sentence, exit 2, nothing left behind', () => {
  const single = (services: unknown[]): TopologyInput => ({
    shape: 'federation',
    regions: ['site-a'],
    clusters: [{ name: 'main', role: 'main', nodes: { 'site-a': 1 }, memory: '1g' }],
    services: services as TopologyInput['services'],
  });
  let taken: Server;
  let takenPort = 0;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as { port: number }).port;
    mkdirSync(join(dir, 'broken'), { recursive: true });
    writeFileSync(
      join(dir, 'broken/Dockerfile'),
      ['ARG FEDSIM_BASE', 'FROM $FEDSIM_BASE', 'RUN echo about to fail && exit 3', ''].join('\n'),
    );
  });
  afterAll(() => taken.close());

  const base = localTag(CATALOG.base);
  it.each([
    [
      'an image that cannot be had',
      [{ name: 'app', image: 'fedsim-test/no-such-image:1', regions: ['site-a'] }],
      /Service app: the image fedsim-test\/no-such-image:1 is not in the engine and cannot be pulled/,
    ],
    [
      'a build that fails',
      [{ name: 'app', build: 'broken', regions: ['site-a'] }],
      /Building the app service image failed at "Step 3\/\d+ : RUN echo about to fail && exit 3"/,
    ],
    [
      'a service never ready, with its last log lines',
      [{ name: 'app', image: base, command: 'echo starting up; sleep infinity', regions: ['site-a'], ready: { tcp: 9999, timeout: '3s' } }],
      /Service replica app-site-a-1 was not ready within 3 s \(10\.213\.\d+\.150:9999 accepting connections: .*\); its last log lines:\nstarting up/,
    ],
    [
      'a published port already taken',
      () => [{ name: 'app', image: base, command: 'sleep infinity', regions: ['site-a'], ports: [{ port: 8080, host: takenPort }] }],
      /Service app: port 127\.0\.0\.1:\d+ is already taken on this machine/,
    ],
  ])('%s', async (_, services, message) => {
    const list = typeof services === 'function' ? services() : services;
    const file = writeTopology('bad.yaml', single(list));
    const r = await fedsim(['up', file, '--name', 'test-svc-bad']).done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const left = [...(await engine.containers(labelFilter('test-svc-bad'))), ...(await engine.networks(labelFilter('test-svc-bad')))];
    expect(left).toEqual([]);
  });

  it("a run whose bring-up fails keeps its run folder: how it ended, and each container's log as it was", async () => {
    const name = 'test-svc-badrun';
    writeTopology(
      'badrun-topology.yaml',
      single([
        {
          name: 'app',
          image: base,
          command: 'echo app says hello-from-app; sleep infinity',
          regions: ['site-a'],
          ready: { tcp: 9999, timeout: '3s' },
        },
      ]),
    );
    const scenario = join(dir, 'badrun.yaml');
    writeFileSync(scenario, stringify({ name, topology: 'badrun-topology.yaml', workload: { workspaces: 1, rate: 5, duration: '5s' } }));
    const out = join(dir, 'badrun-out');
    const r = await fedsim(['run', scenario, '--no-ui', '--out', out]).done;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect([report.ended, report.passed]).toEqual(['error', false]);
    expect(report.error).toMatch(/^Service replica app-site-a-1 was not ready within 3 s/);
    // Kept before the federation was removed: the failing replica's own words, and its neighbours' logs.
    expect(readFileSync(join(out, 'logs', 'app-site-a-1.log'), 'utf8')).toBe('app says hello-from-app\n');
    expect(readdirSync(join(out, 'logs'))).toEqual(expect.arrayContaining(['gw-site-a.log', 'main-site-a-1.log']));
    const left = await Promise.all([
      engine.containers(labelFilter(name)),
      engine.networks(labelFilter(name)),
      engine.volumes(labelFilter(name)),
    ]);
    expect(left.flat()).toEqual([]);
  });
});
