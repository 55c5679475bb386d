import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/checkers/all.js';
import { commandExit } from '../../src/checkers/command.js';
import { durability } from '../../src/checkers/durability.js';
import { latency } from '../../src/checkers/latency.js';
import { Clock } from '../../src/clock.js';
import { checkOptions, expectations } from '../../src/report/expectations.js';
import { loadScenario } from '../../src/scenarios/file.js';
import { ExpectSchema } from '../../src/scenarios/schema.js';
import { CommandRun } from '../../src/workload/command.js';
import { HistoryWriter, loadHistory } from '../../src/workload/history.js';
import { type CommandWorkload, CommandWorkloadSchema } from '../../src/workload/kinds.js';
import { OperationReader } from '../../src/workload/operations.js';
import { metaLine } from './histories.js';

const dir = mkdtempSync(join(tmpdir(), 'fedsim-operations-'));
const doc = readFileSync(join(import.meta.dirname, '../../docs/OPERATIONS.md'), 'utf8');
/** The client of docs/OPERATIONS.md in a language, exactly as a user copies it. */
const client = (lang: string) => doc.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``))![1]!;

function reader(history: HistoryWriter, clock = new Clock()) {
  return new OperationReader({
    workload: 'cart',
    region: 'eu',
    cluster: 'w',
    regions: new Set(['us', 'eu']),
    clusters: new Set(['main', 'w']),
    history,
    clock,
  });
}

describe('operation lines of a user program', () => {
  it('become history operations; an invalid line is named by its number and skipped, the rest kept', () => {
    const h = new HistoryWriter(metaLine());
    const r = reader(h);
    r.feed('{"type":"invoke","process":0,"f":"checkout","value":{"items":2}}\n{"type":"ok","process":0}\n');
    r.feed('{"type":"invoke","process":1,"f":"checkout","region":"us","cluster":"main"}\nnot json\n{"type":"fail","pro');
    r.feed('cess":1,"error":"HTTP 503"}\n{"type":"ok","process":7}\n{"type":"invoke","process":2,"f":"x","region":"mars"}\n');
    r.end();
    expect(h.history.ops).toMatchObject([
      { id: 0, kind: 'checkout', region: 'eu', cluster: 'w', workspace: 'cart', workload: 'cart', outcome: 'ok' },
      { id: 1, kind: 'checkout', region: 'us', cluster: 'main', outcome: 'fail', error: 'HTTP 503' },
    ]);
    expect(r.invalid).toBe(3);
    expect(r.firstInvalid).toBe('line 4: not a JSON object');
  });

  it('say why a line is not an operation', () => {
    const why = (...lines: string[]) => {
      const r = reader(new HistoryWriter(metaLine()));
      r.feed(`${lines.join('\n')}\n`);
      return r.firstInvalid;
    };
    expect(why('{"type":"invoke","f":"a"}')).toBe('line 1: "process" (a number or string) is missing');
    expect(why('{"type":"invoke","process":0}')).toBe('line 1: an invoke needs "f", the operation\'s name');
    expect(why('{"type":"done","process":0}')).toBe('line 1: "type" must be invoke, ok, fail or info');
    expect(why('{"type":"invoke","process":0,"f":"add","value":"x"}')).toBe('line 1: an add\'s "value" must be an integer');
    expect(why('{"type":"invoke","process":0,"f":"a"}', '{"type":"invoke","process":0,"f":"a"}')).toBe(
      'line 2: process 0 invokes while its previous operation is open',
    );
    expect(why('{"type":"invoke","process":0,"f":"a","cluster":"zz"}')).toBe('line 1: unknown cluster "zz"');
    // Seconds instead of milliseconds: caught, not placed 50 years before the run.
    expect(why(`{"type":"invoke","process":0,"f":"a","time":${Date.now() / 1000}}`)).toMatch(/"time" .* is not within the run/);
  });

  it("place a line's own time on the run's clock", () => {
    const clock = new Clock();
    const h = new HistoryWriter(metaLine());
    const r = reader(h, clock);
    // Date.now() is whole ms and the clock's origin is not: +1 places the line after the origin.
    const now = Date.now() + 1;
    r.feed(`{"type":"invoke","process":0,"f":"a","time":${now}}\n{"type":"ok","process":0,"time":${now + 40}}\n`);
    const op = h.history.ops[0]!;
    expect(op.complete! - op.invoke).toBeCloseTo(40, 3);
    expect(Math.abs(op.invoke - clock.now())).toBeLessThan(50);
  });

  it('make adds and the final read a set durability judges: a lost add is caught, an add after the read leaves no final read', () => {
    const lines = (read: number[], addAfter = false) => {
      const h = new HistoryWriter(metaLine());
      const r = reader(h);
      for (const n of [1, 2, 3]) r.feed(`{"type":"invoke","process":0,"f":"add","value":${n},"key":"k"}\n{"type":"ok","process":0}\n`);
      r.feed(`{"type":"invoke","process":1,"f":"read","key":"k"}\n`);
      if (addAfter) r.feed('{"type":"invoke","process":0,"f":"add","value":4,"key":"k"}\n');
      r.feed(`{"type":"ok","process":1,"value":${JSON.stringify(read)}}\n`);
      r.end();
      r.finalReads();
      return durability()({ history: h.history, faults: [] });
    };
    expect(lines([1, 2, 3])).toMatchObject({ status: 'pass', summary: 'all 3 acknowledged writes read back after heal' });
    expect(lines([1, 3])).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^1 of 3 acknowledged writes lost/) });
    expect(lines([1, 3, 9])).toMatchObject({ status: 'fail', summary: expect.stringMatching(/unexpected element.*9/) });
    expect(lines([1, 3], true).evidence).toMatchObject({ lost: 0, unread: 3 });
  });

  it('make a read of a key nothing was added to a final read too, which durability leaves to the checker that asked for it', () => {
    const h = new HistoryWriter(metaLine());
    const r = reader(h);
    r.feed('{"type":"invoke","process":0,"f":"add","value":1,"key":"k"}\n{"type":"ok","process":0}\n');
    r.feed('{"type":"invoke","process":1,"f":"read","key":"k"}\n{"type":"ok","process":1,"value":[1]}\n');
    r.feed('{"type":"invoke","process":1,"f":"read","key":"k@elsewhere"}\n{"type":"ok","process":1,"value":[1]}\n');
    r.end();
    r.finalReads();
    expect(h.history.finalReads.map((f) => [f.workspace, f.elements])).toEqual([
      ['k', [1]],
      ['k@elsewhere', [1]],
    ]);
    expect(durability()({ history: h.history, faults: [] })).toMatchObject({
      status: 'pass',
      summary: 'all 1 acknowledged writes read back after heal',
    });
  });
});

describe('the command workload', () => {
  const spec = (over: Partial<CommandWorkload>): CommandWorkload =>
    CommandWorkloadSchema.parse({ kind: 'command', name: 'cart', region: 'eu', run: 'true', ...over });
  async function run(w: CommandWorkload, seconds = 1) {
    const file = join(dir, `${w.name}-history.jsonl`);
    const history = new HistoryWriter(metaLine(), file);
    const c = new CommandRun(w, {
      history,
      clock: new Clock(),
      cwd: dir,
      dir,
      regions: ['us', 'eu'],
      clusters: ['main', 'w'],
      cluster: 'w',
      env: { FEDSIM_SECONDS: String(seconds) },
    });
    const exit = await c.done;
    await history.close();
    return {
      exit,
      history: history.history,
      saved: await loadHistory(file),
      verdict: commandExit(w)({ history: history.history, faults: [] }),
    };
  }

  it('runs the Python client of docs/OPERATIONS.md: its adds and final read land in the history and durability holds', async () => {
    writeFileSync(join(dir, 'client.py'), client('python'));
    const { exit, history, saved, verdict } = await run(spec({ run: ['python3', 'client.py'] }));
    expect(exit).toMatchObject({ code: 0, invalid: 0 });
    expect(exit.operations).toBeGreaterThan(20);
    expect(verdict).toMatchObject({ status: 'pass' });
    expect(durability()({ history: history, faults: [] })).toMatchObject({ status: 'pass' });
    expect(latency()({ history: history, faults: [] }).evidence).toMatchObject({ pairs: [{ pair: 'eu->eu', count: exit.operations }] });
    // The file holds the same: a re-check sees what the run saw.
    expect(saved.ops).toEqual(history.ops);
    expect(durability()({ history: saved, faults: [] })).toEqual(durability()({ history: history, faults: [] }));
    expect(saved.exits).toEqual([exit]);
  });

  it('catches the Python client losing an acknowledged add', async () => {
    writeFileSync(join(dir, 'lossy.py'), client('python').replace('stored.add(n)', 'stored.add(n) if n != 3 else None'));
    const { history } = await run(spec({ run: ['python3', 'lossy.py'] }));
    expect(durability()({ history: history, faults: [] })).toMatchObject({
      status: 'fail',
      evidence: { lost: 1, firstLost: [{ element: 3, workspace: 'demo' }] },
    });
  });

  it('runs the Go client of docs/OPERATIONS.md', async () => {
    const src = join(dir, 'goclient');
    execFileSync('mkdir', ['-p', src]);
    writeFileSync(join(src, 'main.go'), client('go'));
    execFileSync('go', ['build', '-o', join(dir, 'client-go'), join(src, 'main.go')], { env: { ...process.env, GOFLAGS: '-mod=mod' } });
    const { exit, history } = await run(spec({ name: 'gocart', run: [join(dir, 'client-go')] }));
    expect(exit).toMatchObject({ code: 0, invalid: 0 });
    expect(exit.operations).toBeGreaterThan(20);
    expect(durability()({ history: history, faults: [] })).toMatchObject({ status: 'pass' });
  }, 60_000);

  it('fails its expectation on a non-zero exit (quoting stderr), on invalid lines, and on a program that cannot start', async () => {
    writeFileSync(join(dir, 'bad.sh'), 'echo \'{"type":"invoke","process":0,"f":"a"}\'\necho oops\necho "no such table" >&2\nexit 3\n');
    const bad = await run(spec({ run: ['sh', 'bad.sh'] }));
    expect(bad.history.ops).toHaveLength(1);
    expect(bad.verdict.summary).toBe(
      'command cart (sh bad.sh) exited with 3, expected 0; its last stderr line: no such table; wrote 1 stdout line(s) that are not operations, skipped with the rest kept (first: line 2: not a JSON object)',
    );
    expect(readFileSync(join(dir, 'cart.stderr'), 'utf8')).toBe('no such table\n');
    const missing = await run(spec({ run: ['/nonexistent/prog'] }));
    expect(missing.verdict).toMatchObject({ status: 'fail', summary: expect.stringMatching(/could not be started: .*ENOENT/) });
  });

  it('is stopped at the end of the run, and its exit is an expectation a re-check derives again', async () => {
    const history = new HistoryWriter(metaLine());
    const w = spec({ run: ['sleep', '30'] });
    const c = new CommandRun(w, { history, clock: new Clock(), cwd: dir, regions: ['eu'], clusters: ['w'], cluster: 'w', env: {} });
    const exit = await c.stop();
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM', stopped: true });
    const asked = ExpectSchema.parse({});
    const verdicts = checkRun({ history: history.history, faults: [] }, checkOptions(asked, [w]));
    const [e] = expectations(asked, verdicts, [w]).filter((x) => x.name === 'command cart');
    expect(e).toMatchObject({
      holds: false,
      verdict: { summary: 'command cart (sleep 30) was ended by SIGTERM (stopped at the end of the run), expected 0' },
    });
  });

  it('is refused before anything starts when its program, region or cluster is not there', () => {
    const topology = { shape: 'federation', regions: ['us'], clusters: [{ name: 'main', role: 'main', nodes: { us: 1 } }] };
    const scenarioFile = (workloads: unknown[]) => {
      const p = join(dir, 's.json');
      writeFileSync(p, JSON.stringify({ name: 'cmd', topology, workloads }));
      return p;
    };
    expect(() => loadScenario(scenarioFile([{ kind: 'command', name: 'a1', region: 'us', run: ['no-such-program-x'] }]))).toThrow(
      /s\.json: workloads\[0\]\.run: "no-such-program-x" is not an executable program here \(looked in the PATH\)\./,
    );
    expect(() => loadScenario(scenarioFile([{ kind: 'command', name: 'a1', region: 'eu', run: 'true' }]))).toThrow(
      /workloads\[0\]\.region: unknown region "eu"; the topology has us\./,
    );
    expect(() => loadScenario(scenarioFile([{ kind: 'command', name: 'a1', region: 'us', run: 'true', cluster: 'w' }]))).toThrow(
      /workloads\[0\]\.cluster: unknown cluster "w"; the topology has main\./,
    );
  });
});
