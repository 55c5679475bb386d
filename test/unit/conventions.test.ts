import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/faults/kinds.js';
import { HistoryWriter } from '../../src/workload/history.js';
import { metaLine } from './histories.js';
import { fedsimInProcess } from './inprocess.js';

/**
 * The CLI's conventions, as a user meets them (issue 21): usage errors exit 2 in one sentence,
 * `--version`, paths relative to where the user stands, and everything `validate` accepts also runs
 * (what would fail later is refused now, with the field's path). No engine: DOCKER_HOST points
 * nowhere, so a refusal that came after an engine call would show as "No Docker engine answers".
 */
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'fedsim-conventions-'));
const topology = join(root, 'topologies/two-region-federation.yaml');

function fedsim(args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    input: opts.input,
    env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same command line through the CLI's main() in this process (inprocess.ts), for the cases
 * that read only its exit code and lines; the spawned CLI above proves the process's own (usage
 * errors, --version, stdin, a pipe, ./fedsim).
 */
const fedsimIn = (args: string[], opts: { cwd?: string } = {}) => fedsimInProcess(args, opts);

function oneSentence(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
  expect(r.stderr).not.toMatch(/No Docker engine|\n\s+at /);
  expect(r.code).toBe(2);
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('usage', { timeout: 120_000 }, () => {
  it('says a usage error in one sentence and exits 2, the code of bad input, not 1 (a failed expectation)', async () => {
    const cases: [string[], RegExp][] = [
      [['up', '--frobnicate', topology], /^fedsim: unknown option '--frobnicate'; see fedsim up --help\.$/],
      [['up'], /^fedsim: missing required argument 'file'; see fedsim up --help\.$/],
      [['dwon'], /^fedsim: unknown command 'dwon' \(Did you mean down\?\); see fedsim --help\.$/],
      [['check', 'a', 'b'], /^fedsim: too many arguments for 'check'.*; see fedsim check --help\.$/],
      [['run', join(root, 'scenarios/node-failover.yaml'), '--seed', 'soon'], /--seed expects a whole number/],
      [['up', topology, '--node-timeout', '0s'], /--node-timeout expects a duration/],
    ];
    for (const [args, pattern] of cases) oneSentence(await fedsimIn(args), pattern);
    // As a process: commander's own usage error and one of fedsim's, on stderr with exit status 2.
    for (const [args, pattern] of [cases[0]!, cases[4]!]) oneSentence(fedsim(args), pattern);
  });

  it('prints its version, and help exits 0', () => {
    const version = fedsim(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
    expect(fedsim(['--help']).code).toBe(0);
    expect(fedsim(['check', '--help']).code).toBe(0);
  });
});

describe('--json', { timeout: 120_000 }, () => {
  it('every command that reports something offers --json (docs/CLI.md gives each shape)', async () => {
    const commands = (await fedsimIn(['--help'])).stdout
      .split('\n')
      .map((l) => /^ {2}([a-z]+)\b/.exec(l)?.[1])
      .filter((c): c is string => c !== undefined && c !== 'help');
    // What does not report: a command passed through (exec, cqlsh, nodetool), a log as the engine
    // kept it, a dashboard, a schema (JSON already).
    const reporting = commands.filter((c) => !['exec', 'cqlsh', 'nodetool', 'logs', 'watch', 'schema'].includes(c));
    expect(reporting.length).toBeGreaterThanOrEqual(17);
    const doc = readFileSync(join(root, 'docs/CLI.md'), 'utf8');
    for (const c of [...reporting.map((c) => [c]), ['images', 'build'], ['fault', 'update']]) {
      const help = await fedsimIn([...c, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout, `fedsim ${c.join(' ')} --help`).toMatch(/--json/);
      expect(doc, `docs/CLI.md on ${c.join(' ')}`).toMatch(new RegExp(`^\\|.*\`${c.join(' ')}[ \`].*\\|`, 'm'));
    }
  });
});

describe('fault update', () => {
  it('docs/CLI.md names each kind as it is: updatable in place, or refused', () => {
    const doc = readFileSync(join(root, 'docs/CLI.md'), 'utf8');
    const section = doc.slice(doc.indexOf('- `fedsim fault update ID'), doc.indexOf('`--for` is not a'));
    const [updatable, refused] = section.split('The other kinds are refused') as [string, string];
    for (const k of KINDS) {
      const named = (text: string) => text.includes(`\`${k.name}\``);
      expect({ kind: k.name, updatable: named(updatable), refused: named(refused) }).toEqual({
        kind: k.name,
        updatable: k.updatable === true,
        refused: k.updatable !== true,
      });
    }
  });
});

describe('the library', { timeout: 60_000 }, () => {
  it('fedsim scenarios lists every library scenario with what it shows, and as JSON', async () => {
    const names = ['centralized-vs-federated', 'node-failover', 'voedger-federation'];
    const plain = await fedsimIn(['scenarios']);
    expect(plain.code).toBe(0);
    for (const n of names) expect(plain.stdout).toMatch(new RegExp(`^${n} +\\S`, 'm'));
    const json = JSON.parse((await fedsimIn(['scenarios', '--json'])).stdout) as { name: string; file: string; description: string }[];
    expect(json.map((s) => s.name)).toEqual(expect.arrayContaining(names));
    for (const s of json) {
      expect(s.description, s.name).not.toBe('');
      expect((await fedsimIn(['validate', s.file])).code, s.name).toBe(0);
    }
  });
});

describe('paths', { timeout: 120_000 }, () => {
  it("reads a relative path from where the user stands, through the clone's ./fedsim too", async () => {
    // A run folder in the user's folder, and one of the same name in fedsim's folder's place: the user's counts.
    const user = join(dir, 'user');
    mkdirSync(join(user, 'demo-run'), { recursive: true });
    const w = new HistoryWriter(metaLine(), join(user, 'demo-run/history.jsonl'));
    await w.close();
    const direct = await fedsimIn(['check', 'demo-run'], { cwd: user });
    expect(direct.stderr).not.toMatch(/no such file/);
    expect(direct.stdout).toMatch(/^demo-run\/history\.jsonl: 0 operations/);
    // ./fedsim sources scripts/bootstrap.sh, which works in the clone's folder: a clone whose
    // bootstrap only does that (and points at this build), so nothing is installed here.
    const clone = join(dir, 'clone');
    mkdirSync(join(clone, 'scripts'), { recursive: true });
    copyFileSync(join(root, 'fedsim'), join(clone, 'fedsim'));
    chmodSync(join(clone, 'fedsim'), 0o755);
    writeFileSync(join(clone, 'scripts/bootstrap.sh'), `FEDSIM_ROOT=${JSON.stringify(root)}\ncd "$FEDSIM_ROOT"\n`);
    const r = spawnSync('bash', [join(clone, 'fedsim'), 'check', 'demo-run'], {
      cwd: user,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${process.execPath.replace(/\/node$/, '')}:${process.env.PATH}` },
    });
    expect(r.stderr).not.toMatch(/no such file/);
    expect(r.stdout).toMatch(/^demo-run\/history\.jsonl: 0 operations/);
  });
});

describe('everything that validates also runs', { timeout: 120_000 }, () => {
  const scenario = (name: string, body: string) => file(`${name}.yaml`, `name: ${name}\ntopology: ${topology}\n${body}`);

  it('refuses zero intervals, timeouts and lengths with the field that has them', async () => {
    const kill = '[{ kind: kill, target: us-east-1 }]';
    const cases: [string, string, RegExp][] = [
      ['every0', `nemesis: { every: 0s, for: 1s, faults: ${kill} }\n`, /nemesis\.every: expected a duration above zero/],
      ['for0', `nemesis: { every: 5s, for: 0ms, faults: ${kill} }\n`, /nemesis\.for: expected a duration above zero/],
      ['duration0', 'workload: { duration: 0s }\n', /workload\.duration: expected a duration above zero/],
      ['timeout0', 'workload: { timeout: 0s }\n', /workload\.timeout: expected a duration above zero/],
    ];
    for (const [name, body, pattern] of cases) {
      oneSentence(await fedsimIn(['validate', scenario(name, body)]), pattern);
      oneSentence(await fedsimIn(['run', scenario(name, body)]), pattern);
    }
  });

  it('refuses a timeline step that would come after the workload, instead of dropping it', async () => {
    const late = scenario(
      'late',
      'workload: { duration: 30s }\ntimeline:\n  - { at: 10s, fault: { kind: kill, target: us-east-1 } }\n  - { after: 25s, heal: true }\n',
    );
    oneSentence(
      await fedsimIn(['validate', late]),
      /late\.yaml: timeline\[1\]: comes at 35s, when the workload \(workload\.duration 30s\) is over/,
    );
    expect(
      (await fedsimIn(['validate', scenario('in-time', 'workload: { duration: 30s }\ntimeline: [{ at: 29s, heal: true }]\n')])).code,
    ).toBe(0);
  });

  it('accepts compound durations as Go and Prometheus write them', async () => {
    const r = await fedsimIn(['validate', scenario('compound', 'workload: { duration: 1m30s }\ntimeline: [{ at: 1m15s, heal: true }]\n')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/90 s of workload/);
  });

  it('reads a file once (a pipe too), stdin as -, and at most 1 MB of a device', async () => {
    const text = readFileSync(join(root, 'scenarios/node-failover.yaml'), 'utf8');
    const stdin = fedsim(['validate', '-'], { input: readFileSync(topology, 'utf8') });
    expect(stdin.stderr).toBe('');
    expect(stdin.stdout).toMatch(/^-: valid federation topology/);
    // A pipe, as bash's <(cat FILE) gives one: read twice, its second read would find it empty.
    const piped = spawnSync(
      'bash',
      ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} validate <(cat ${JSON.stringify(topology)})`],
      {
        encoding: 'utf8',
      },
    );
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^\/dev\/fd\/\d+: valid federation topology/);
    expect(text).toBeTruthy();
    oneSentence(await fedsimIn(['validate', '/dev/zero']), /\/dev\/zero: larger than 1 MB; that is no topology or scenario file\.$/);
  });

  it('says what is wrong with a path in words, not errno codes', async () => {
    oneSentence(await fedsimIn(['validate', dir]), /: a folder, not a file; give a topology or scenario file\.$/);
    oneSentence(await fedsimIn(['validate', join(dir, 'nope.yaml')]), /nope\.yaml: cannot be read: no such file or folder\.$/);
    oneSentence(await fedsimIn(['check', join(dir, 'nope')]), /nope: no such file; give a history or a run folder\.$/);
  });

  it('says a number too large in words, not as 2^53', async () => {
    const r = await fedsimIn(['validate', scenario('huge', 'seed: 1e300\n')]);
    oneSentence(r, /huge\.yaml: seed: too large a number for this field/);
    expect(r.stderr).not.toMatch(/9007199254740991/);
  });

  it('refuses `down NAME --all` as contradictory, before any engine call', async () => {
    oneSentence(await fedsimIn(['down', 'mine', '--all']), /Either name the federation to take down \(mine\) or pass --all, not both\./);
  });
});
