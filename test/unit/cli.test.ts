import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryWriter } from '../../src/workload/history.js';
import { WorkloadSchema } from '../../src/workload/spec.js';
import { fedsimInProcess } from './inprocess.js';

// The compiled CLI, as users run it (test/unit/build.ts compiles it when a source is newer). No
// engine: DOCKER_HOST points nowhere unless a test says otherwise, so these run on any laptop.
const cli = join(import.meta.dirname, '../../dist/src/cli.js');
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const dir = mkdtempSync(join(tmpdir(), 'fedsim-cli-'));

function fedsim(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...NO_ENGINE, ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same command line through the CLI's main() in this process (inprocess.ts) where a test reads
 * only the exit code and lines; the engine's and doctor's answers, which need the process's own
 * engine discovery, and the one-line contract of a process, stay spawned above.
 */
const fedsimIn = (args: string[], env: Record<string, string> = {}) => fedsimInProcess(args, { env: { ...NO_ENGINE, ...env } });

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function expectOneClearLine(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

// Each test starts the CLI a few times (about half a second each, more on a busy machine).
describe('fedsim on bad input and a missing engine', { timeout: 60_000 }, () => {
  it('validates the example topologies', async () => {
    for (const t of ['two-region-federation', 'three-region-federation', 'stretched-pair']) {
      const r = await fedsimIn(['validate', join(import.meta.dirname, `../../topologies/${t}.yaml`)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });

  it('names the file and the bad field of a malformed topology, and exits 2', async () => {
    const bad = file('bad.yaml', 'shape: federation\nregions: [a-1, b-2]\nclusters:\n  - { name: main, role: main, nodes: { c-3: 1 } }\n');
    expectOneClearLine(
      await fedsimIn(['validate', bad]),
      /bad\.yaml: clusters\[0\]\.nodes\.c-3: unknown region "c-3"; expected one of a-1, b-2$/,
    );
    expectOneClearLine(await fedsimIn(['up', bad]), /clusters\[0\]\.nodes\.c-3: unknown region/);
  });

  it('says where a YAML syntax error is', async () => {
    expectOneClearLine(
      await fedsimIn(['validate', file('syntax.yaml', 'shape: [federation\n')]),
      /syntax\.yaml:\d+:\d+: not valid YAML or JSON/,
    );
  });

  it('rejects empty files, binary garbage and missing files in one sentence', async () => {
    expectOneClearLine(await fedsimIn(['validate', file('empty.yaml', '\n')]), /the file is empty/);
    expectOneClearLine(await fedsimIn(['validate', file('garbage.bin', '\u0000\u0001\u00ff\u0000')]), /not a text file/);
    expectOneClearLine(await fedsimIn(['validate', join(dir, 'nope.yaml')]), /nope\.yaml: cannot be read: no such file or folder\.$/);
  });

  it('says plainly when no engine answers at DOCKER_HOST, and builds nothing', () => {
    const good = join(import.meta.dirname, '../../topologies/two-region-federation.yaml');
    expectOneClearLine(
      fedsim(['up', good], { DOCKER_HOST: 'tcp://127.0.0.1:1' }),
      /No Docker engine answers at DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1 .*start it or unset DOCKER_HOST\.$/,
    );
    expectOneClearLine(fedsim(['status'], { DOCKER_HOST: 'unix:///nonexistent.sock' }), /No Docker engine answers/);
  });

  it('doctor diagnoses and changes nothing: without an engine it says where it looked, exit 1, also as JSON', () => {
    const r = fedsim(['doctor', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const findings = JSON.parse(r.stdout);
    expect(findings.node).toBe(process.versions.node);
    expect(findings.images).toBeNull();
    expect(findings.engine).toEqual({
      found: false,
      error: expect.stringMatching(/^No Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock /),
      looked: [{ endpoint: NO_ENGINE.DOCKER_HOST, why: 'DOCKER_HOST' }],
    });
    const plain = fedsim(['doctor']);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/^engine {4}none: No Docker engine answers/m);
    expect(plain.stdout).toMatch(/`fedsim setup` installs and starts one/);
    // setup (and doctor --fix) never replaces an engine the user named: DOCKER_HOST is theirs to start.
    for (const args of [['setup'], ['doctor', '--fix']])
      expectOneClearLine(
        fedsim(args),
        /^fedsim: No Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock .*unset DOCKER_HOST\.$/,
      );
    // A docker context named but not there is said, not replaced by another engine.
    const ctx = fedsim(['doctor', '--json'], { DOCKER_HOST: '', DOCKER_CONTEXT: 'gone', DOCKER_CONFIG: dir });
    expect(ctx.code).toBe(1);
    expect(JSON.parse(ctx.stdout).engine.error).toBe(
      `No Docker engine: the docker context "gone" (DOCKER_CONTEXT) has no docker endpoint under ${dir}/contexts; choose another with \`docker context use\` or set DOCKER_HOST.`,
    );
  });

  it('run --dry-run prints the timeline with no engine; fault update and heal refuse what they cannot do before any engine call', async () => {
    const dry = await fedsimIn(['run', '--dry-run', '--json', join(import.meta.dirname, '../../scenarios/voedger-federation.yaml')]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).steps).toEqual([
      {
        at: 5000,
        from: 'timeline',
        index: 0,
        action: 'fault',
        kind: 'kill',
        target: 'cluster:main',
        params: {},
        forMs: 10_000,
        nodes: ['main-us-east-1-1'],
        directions: [],
      },
    ]);
    expectOneClearLine(await fedsimIn(['fault', 'update', 'abcd1234', '--latency', '20ms', '--for', '3s']), /leave out --for\.$/);
    expectOneClearLine(await fedsimIn(['fault', 'update']), /missing required argument 'id'; see fedsim fault --help\.$/);
    expectOneClearLine(
      await fedsimIn(['up', 'x.yaml', '--json', '--engine', 'kubernetes']),
      /--json is not there yet with --engine kubernetes/,
    );
  });

  it('prints a JSON Schema that names every top-level key', async () => {
    const r = await fedsimIn(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(Object.keys(schema.properties).sort()).toEqual([
      'clusters',
      'keyspaces',
      'links',
      'monitoring',
      'name',
      'regions',
      'services',
      'shape',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('fedsim check', { timeout: 60_000 }, () => {
  async function savedHistory(name: string, finalElements: number[]): Promise<string> {
    const path = join(dir, name);
    const w = new HistoryWriter(
      {
        type: 'meta',
        federation: 'saved',
        shape: 'federation',
        regions: ['us'],
        clusters: { main: { regions: ['us'], role: 'main', nodes: { 'main-us-1': 'us' } } },
        workload: WorkloadSchema.parse({}),
        startedAt: new Date(0).toISOString(),
      },
      path,
    );
    // The workspace's create, which the registry must name.
    w.add({ type: 'invoke', id: 0, t: 0, region: 'us', kind: 'create', workspace: 'us-w0', cluster: 'main' });
    w.add({ type: 'ok', id: 0, t: 0.5, coordinator: 'main-us-1' });
    for (const element of [1, 2]) {
      w.add({ type: 'invoke', id: element, t: element, region: 'us', kind: 'write', workspace: 'us-w0', cluster: 'main', element });
      w.add({ type: 'ok', id: element, t: element + 3, coordinator: 'main-us-1' });
    }
    w.add({ type: 'registry', t: 10, workspaces: { 'us-w0': 'main' } });
    w.add({ type: 'final-read', t: 11, workspace: 'us-w0', cluster: 'main', elements: finalElements });
    w.add({ type: 'residency', t: 12, cluster: 'main', workspaces: ['us-w0'] });
    await w.close();
    return path;
  }

  it('re-checks a saved history with no engine: exit 0 when it holds, 1 naming the lost write when not', async () => {
    const good = await fedsimIn(['check', await savedHistory('good.jsonl', [1, 2])], { DOCKER_HOST: 'tcp://127.0.0.1:1' });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/PASS {2}durability {3}all 2 acknowledged writes read back after heal/);
    const lost = await fedsimIn(['check', await savedHistory('lost.jsonl', [1])]);
    expect(lost.code).toBe(1);
    expect(lost.stdout).toMatch(/FAIL {2}durability {3}1 of 2 acknowledged writes lost \(first: element 2 in us-w0 on main\)/);
    expectOneClearLine(
      await fedsimIn(['check', file('junk.jsonl', 'hello\n')]),
      /junk\.jsonl:1: not a JSON line; is this a fedsim history\?/,
    );
  });

  it("re-checks with the run's own expectations: scenario.json beside the history (or --scenario), a run folder given as such", async () => {
    mkdirSync(join(dir, 'run'));
    const history = await savedHistory('run/history.jsonl', [1, 2]);
    // Each saved write took 3 ms.
    writeFileSync(join(dir, 'run/scenario.json'), JSON.stringify({ name: 'saved', expect: { latency: [{ pair: '*', p99: 1 }] } }));
    const strict = await fedsimIn(['check', join(dir, 'run')]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/the expectations of .*run\/scenario\.json/);
    expect(strict.stdout).toMatch(/FAIL {2}latency .*us->us p99 3\.0 ms > 1 ms/);
    expect(strict.stdout).toMatch(/\(--\) {2}availability /);
    expect(strict.stdout).toMatch(/^FAIL: 4 of 5 expectations hold$/m);
    // A checker the scenario does not ask for does not decide the verdict: durability fails here, unasked.
    const lostRun = await savedHistory('run/lost.jsonl', [1]);
    writeFileSync(join(dir, 'run/durability-off.json'), JSON.stringify({ expect: { durability: false } }));
    const unasked = await fedsimIn(['check', lostRun, '--scenario', join(dir, 'run/durability-off.json')]);
    expect(unasked.stdout).toMatch(/\(--\) {2}durability {3}1 of 2 acknowledged writes lost/);
    expect(unasked.code).toBe(0);
    const topology = join(import.meta.dirname, '../../topologies/two-region-federation.yaml');
    const lenient = file('lenient.yaml', `name: lenient\ntopology: ${topology}\nexpect:\n  latency: [{ pair: "*", p99: 50ms }]\n`);
    expect((await fedsimIn(['check', history, '--scenario', lenient])).code).toBe(0);
    expectOneClearLine(
      await fedsimIn(['check', history, '--scenario', file('bad-expect.yaml', 'expect:\n  latency: [{ p99: fast }]\n')]),
      /bad-expect\.yaml: expect\.latency\[0\]\.p99: /,
    );
    // A scenario is checked whole, not only its expectations: here a fault on a region it lacks.
    const wrong = file(
      'wrong-region.yaml',
      `name: wrong\ntopology: ${topology}\ntimeline: [{ at: 1s, fault: { kind: kill, target: mars-1 } }]\n`,
    );
    const refused = await fedsimIn(['check', history, '--scenario', wrong]);
    expectOneClearLine(refused, /wrong-region\.yaml: timeline\[0\]\.fault: .*mars-1/);
  });
});
