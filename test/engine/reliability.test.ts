import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { up } from '../../src/runtime/bringup.js';
import { connectEngine, type Engine } from '../../src/runtime/engine.js';
import { Faults } from '../../src/runtime/faults.js';
import { labelFilter } from '../../src/runtime/labels.js';
import { federationNames, removeFederation } from '../../src/runtime/removal.js';
import { fedsim, root } from './fedsim.js';
import { duo } from './topologies.js';

/**
 * fedsim keeps its promises when things go wrong around it: interrupted at random points, killed,
 * its engine gone, its port taken, its image missing, its node never ready, a neighbour federation.
 */
const topology = join(root, 'test/fixtures/monitored-duo.yaml');
const scenario = join(root, 'test/fixtures/interrupt-run.yaml');
const plainTopology = join(root, 'topologies/two-region-federation.yaml');

/** Everything of a federation still in the engine: containers, networks, volumes (fault records). */
async function leftovers(engine: Engine, name: string): Promise<number> {
  const [c, n, v] = await Promise.all([
    engine.containers(labelFilter(name)),
    engine.networks(labelFilter(name)),
    engine.volumes(labelFilter(name)),
  ]);
  return c.length + n.length + v.length;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('interruption', () => {
  it('20 seeded SIGINT/SIGTERM at random points of up, a run and down leave nothing behind', async () => {
    const engine = await connectEngine();
    const random = seededRandom(2026);
    const trials: { what: string; after: number; signal: NodeJS.Signals; code: number | null; left: number }[] = [];
    const signalOf = (): NodeJS.Signals => (random() < 0.5 ? 'SIGINT' : 'SIGTERM');
    for (let i = 0; i < 8; i++) {
      const after = Math.round(random() * 15_000);
      const signal = signalOf();
      const p = fedsim(['up', plainTopology, '--name', 'int-up']);
      await Promise.race([sleep(after), p.done]);
      p.child.kill(signal);
      const r = await p.done;
      // Finished before the signal: then it is up, and down is the user's next step.
      if (r.code === 0) await removeFederation(engine, 'int-up');
      else expect(r.code, r.stderr).toBe(130);
      trials.push({ what: 'up', after, signal, code: r.code, left: await leftovers(engine, 'int-up') });
    }
    for (let i = 0; i < 8; i++) {
      const after = Math.round(random() * 35_000);
      const signal = signalOf();
      const p = fedsim(['run', scenario, '--no-ui', '--out', mkdtempSync(join(tmpdir(), 'fedsim-int-'))]);
      await Promise.race([sleep(after), p.done]);
      p.child.kill(signal);
      const r = await p.done;
      expect([0, 130], r.stderr).toContain(r.code);
      trials.push({ what: 'run', after, signal, code: r.code, left: await leftovers(engine, 'interrupted') });
    }
    for (let i = 0; i < 4; i++) {
      const after = Math.round(random() * 1500);
      const signal = signalOf();
      await up(engine, duo, { name: 'int-down' });
      const p = fedsim(['down', 'int-down']);
      await Promise.race([sleep(after), p.done]);
      p.child.kill(signal);
      const r = await p.done;
      // A signal before the process set its handler (Node's start-up) ends it with nothing done:
      // the federation is still whole, and gc removes it. Once down has begun, it finishes.
      if (r.code !== 0) {
        expect(r.code, r.stderr).toBe(null);
        expect((await fedsim(['gc']).done).code).toBe(0);
      }
      trials.push({ what: 'down', after, signal, code: r.code, left: await leftovers(engine, 'int-down') });
    }
    console.log(
      `interruptions: ${trials.length}, leftovers: ${trials.reduce((n, t) => n + t.left, 0)}\n${trials.map((t) => `  ${t.what} ${t.signal} after ${t.after} ms: exit ${t.code}, ${t.left} left`).join('\n')}`,
    );
    expect(trials.length).toBeGreaterThanOrEqual(20);
    expect(trials.filter((t) => t.left)).toEqual([]);
  }, 900_000);

  it('SIGKILL mid-run: a fresh process finds the fault by its labels, heals it, and down removes everything', async () => {
    const engine = await connectEngine();
    const p = fedsim(['run', scenario, '--no-ui', '--out', mkdtempSync(join(tmpdir(), 'fedsim-kill-'))]);
    await p.when('pause worker-eu-eu-west-1-1');
    p.child.kill('SIGKILL');
    expect((await p.done).code).toBe(null);
    const listed = fedsim(['faults', '-f', 'interrupted']);
    const faults = await listed.done;
    expect(faults.stdout).toMatch(/pause worker-eu-eu-west-1-1/);
    const healed = await fedsim(['heal', '-f', 'interrupted']).done;
    expect(healed.code, healed.stderr).toBe(0);
    expect(healed.stdout).toMatch(/unpaused worker-eu-eu-west-1-1/);
    expect((await fedsim(['faults', '-f', 'interrupted']).done).stdout).toMatch(/no fault is active in interrupted/);
    const down = await fedsim(['down', 'interrupted']).done;
    expect(down.code).toBe(0);
    expect(await leftovers(engine, 'interrupted')).toBe(0);
  }, 240_000);
});

/** A unix socket that forwards to the engine until `cut()`: an engine that goes away mid-run. */
function engineProxy(): Promise<{ path: string; cut: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'fedsim-engine-'));
  const path = join(dir, 'docker.sock');
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection('/var/run/docker.sock');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        path,
        cut: () => {
          server.close();
          for (const s of sockets) s.destroy();
          rmSync(dir, { recursive: true, force: true });
        },
      }),
    ),
  );
}

describe('environment trouble', () => {
  it('the engine going away mid-run: fedsim says so and exits 2 instead of hanging', async () => {
    const engine = await connectEngine();
    const proxy = await engineProxy();
    const p = fedsim(['run', scenario, '--no-ui', '--out', mkdtempSync(join(tmpdir(), 'fedsim-gone-'))], {
      DOCKER_HOST: `unix://${proxy.path}`,
    });
    await p.when('phase: running');
    const cutAt = Date.now();
    proxy.cut();
    const r = await p.done;
    console.log(`engine gone: fedsim exited ${((r.exitedAt - cutAt) / 1000).toFixed(1)} s after the engine stopped answering`);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /fedsim: The run of interrupted stopped: the Docker engine at unix:\/\/\S+ stopped answering.*`fedsim gc` removes what is left\./,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
    // Its containers outlived it; gc, once the engine answers again, removes them.
    const gc = await fedsim(['gc']).done;
    expect(gc.code).toBe(0);
    expect(await leftovers(engine, 'interrupted')).toBe(0);
  }, 240_000);

  it('a port fedsim serves on already taken: one sentence, exit 2, nothing left', async () => {
    const engine = await connectEngine();
    const taken: Server[] = [];
    for (let port = 19100; port < 19132; port++)
      taken.push(
        await new Promise<Server>((resolve) => {
          const s = createServer();
          s.listen(port, '0.0.0.0', () => resolve(s));
        }),
      );
    try {
      const r = await fedsim([
        'run',
        join(root, 'test/fixtures/port-taken.yaml'),
        '--no-ui',
        '--out',
        mkdtempSync(join(tmpdir(), 'fedsim-port-')),
      ]).done;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/fedsim: Port 10\.213\.\d+\.1:191\d\d is in use: is another run on federation port-taken going\?/);
      expect(await leftovers(engine, 'port-taken')).toBe(0);
    } finally {
      for (const s of taken) s.close();
    }
  }, 240_000);

  it('an image that cannot be had: one sentence, exit 2, nothing built or left', async () => {
    const engine = await connectEngine();
    const r = await fedsim(['up', topology, '--name', 'no-image', '--image-source', 'registry']).done;
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^fedsim: The \w+ image \S+ cannot be pulled; check the registry connection, or use --image-source local\.$/,
    );
    expect(await leftovers(engine, 'no-image')).toBe(0);
  }, 60_000);

  it('a node that never answers: fedsim gives up after the bounded wait, names it, shows its log, removes everything', async () => {
    const engine = await connectEngine();
    const r = await fedsim(['up', plainTopology, '--name', 'never-ready', '--node-timeout', '2s']).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /fedsim: Node (main-us-east-1-1|worker-eu-eu-west-1-1) did not answer CQL within 2 s; its last log lines:\n(?!\(nothing logged yet\))\S/,
    );
    expect(await leftovers(engine, 'never-ready')).toBe(0);
  }, 120_000);
});

describe('two federations at once', () => {
  it("do not touch each other's containers, ports or faults; down of one leaves the other running; repeats are harmless", async () => {
    const engine = await connectEngine();
    const [a, b] = await Promise.all([up(engine, duo, { name: 'conc-a' }), up(engine, duo, { name: 'conc-b' })]);
    try {
      const portsOf = (fed: typeof a) => Object.values(fed.endpoints).flatMap((e) => Object.values(e));
      expect(portsOf(a).filter((p) => portsOf(b).includes(p))).toEqual([]);
      await new Faults(a, {}).inject({ kind: 'partition', target: 'us-east-1|eu-west-1' });
      // b's gateways hold only their baselines, and b's cross-region path works.
      for (const api of Object.values(b.gatewayApis)) {
        const proxies = (await (await fetch(`${api}/proxies`)).json()) as Record<string, { toxics: { name: string }[] }>;
        for (const p of Object.values(proxies)) for (const t of p.toxics) expect(t.name).toMatch(/^baseline-/);
      }
      await b.client('eu-west-1', 'main').execute('SELECT release_version FROM system.local');
      const again = await fedsim(['up', plainTopology, '--name', 'conc-a']).done;
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/A federation named conc-a is already up/);
      await a.down();
      expect(await federationNames(engine)).toContain('conc-b');
      const running = await engine.containers(labelFilter('conc-b'), { running: true });
      expect(running.length).toBe(4);
      await b.client('us-east-1', 'worker-eu').execute('SELECT release_version FROM system.local');
      const heal = await fedsim(['heal', '-f', 'conc-b']).done;
      expect(heal.code, heal.stderr).toBe(0);
      expect(heal.stdout).toMatch(/conc-b healed in [\d.]+ s: 0 fault record\(s\) cleared; 0 toxic\(s\) removed/);
      const twice = await fedsim(['down', 'conc-a']).done;
      expect(twice.stdout).toMatch(/federation conc-a was not up; nothing to remove/);
    } finally {
      await a.down();
      await b.down();
    }
  }, 300_000);
});
