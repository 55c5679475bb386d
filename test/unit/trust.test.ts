import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/checkers/all.js';
import { availability } from '../../src/checkers/availability.js';
import { durability } from '../../src/checkers/durability.js';
import { latency } from '../../src/checkers/latency.js';
import { registry } from '../../src/checkers/registry.js';
import { residency, routing } from '../../src/checkers/routing.js';
import { steadyState } from '../../src/checkers/steady.js';
import { compose, type Run } from '../../src/checkers/verdict.js';
import type { FaultRecord } from '../../src/faults/log.js';
import { checkOptions, expectations } from '../../src/report/expectations.js';
import { ScenarioSchema } from '../../src/scenarios/schema.js';
import { type History, type HistoryLine, HistoryWriter, loadHistory, type MetaLine } from '../../src/workload/history.js';
import { killRecord, metaLine } from './histories.js';

/**
 * Checkers you can trust (issue 19): for each way a verdict went wrong, a small hand-written
 * history with a known truth. Each case names the item of the issue it proves.
 */
type Line = Exclude<HistoryLine, MetaLine>;
let nextId = 0;

/** One operation's invoke and completion. */
function op(
  kind: 'create' | 'write' | 'read',
  o: {
    ws: string;
    element?: number;
    outcome?: 'ok' | 'fail' | 'info';
    t?: number;
    ms?: number;
    by?: string | null;
    cluster?: string;
    region?: string;
  },
): Line[] {
  const id = nextId++;
  const t = o.t ?? id;
  const outcome = o.outcome ?? 'ok';
  const cluster = o.cluster ?? (kind === 'create' ? 'main' : 'w');
  const by = o.by === null ? undefined : (o.by ?? (cluster === 'main' ? 'main-us-1' : 'w-eu-1'));
  return [
    { type: 'invoke', id, t, region: o.region ?? 'eu', kind, workspace: o.ws, cluster, element: o.element },
    { type: outcome, id, t: t + (o.ms ?? 5), coordinator: outcome === 'ok' ? by : undefined, error: outcome === 'ok' ? undefined : 'boom' },
  ];
}

const registryLine = (workspaces: Record<string, string>, error?: string): Line => ({ type: 'registry', t: 9000, workspaces, error });
const read = (workspace: string, elements?: number[], error?: string): Line => ({
  type: 'final-read',
  t: 9001,
  workspace,
  cluster: 'w',
  elements,
  error,
});
const held = (cluster: string, workspaces: string[]): Line => ({ type: 'residency', t: 9002, cluster, workspaces });

function history(lines: Line[]): History {
  const w = new HistoryWriter(metaLine());
  for (const l of lines) w.add(l);
  return w.history;
}
const run = (lines: Line[], faults: FaultRecord[] = []): Run => ({ history: history(lines), faults });

/** Writes lines (the meta line first) as a history file; `tail` is appended as is. */
function file(lines: Line[], tail = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'fedsim-trust-'));
  const path = join(dir, 'history.jsonl');
  writeFileSync(path, `${[metaLine(), ...lines].map((l) => JSON.stringify(l)).join('\n')}\n${tail}`);
  return path;
}

const cli = join(import.meta.dirname, '../../dist/src/cli.js');
function fedsim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('1. durability per (workspace, element)', () => {
  it('fails an element found in a workspace it was never written to, though another workspace was written it', () => {
    const v = durability()(
      run([...op('write', { ws: 'a', element: 1 }), ...op('write', { ws: 'b', element: 2 }), read('a', [1]), read('b', [2, 1])]),
    );
    expect(v.status).toBe('fail');
    expect(v.evidence.firstUnexpected).toEqual([{ element: 1, workspace: 'b', why: 'never written to b; written to a' }]);
  });

  it('reports an acknowledged element that moved to another workspace as lost in one and unexpected in the other', () => {
    const v = durability()(
      run([...op('write', { ws: 'a', element: 1 }), ...op('write', { ws: 'b', element: 2 }), read('a', []), read('b', [2, 1])]),
    );
    expect(v.status).toBe('fail');
    expect(v.evidence).toMatchObject({ lost: 1, unexpected: 1, ok: 1 });
    expect(v.summary).toMatch(/^1 of 2 acknowledged writes lost \(first: element 1 in a on w\); 1 unexpected element\(s\)/);
  });

  it('reports an element a read returned twice as duplicated', () => {
    const v = durability()(run([...op('write', { ws: 'a', element: 1 }), read('a', [1, 1])]));
    expect(v.status).toBe('fail');
    expect(v.evidence).toMatchObject({ duplicated: 1, firstDuplicated: [{ element: 1, workspace: 'a', times: 2 }] });
  });
});

describe('2. the registry is checked as a set of acknowledged creates', () => {
  const creates = [...op('create', { ws: 'a' }), ...op('create', { ws: 'b' }), ...op('create', { ws: 'c', outcome: 'fail' })];

  it('fails an acknowledged create missing from the registry, and an entry whose create failed', () => {
    const v = registry()(run([...creates, registryLine({ a: 'w', c: 'w' })]));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe(
      '1 of 2 acknowledged creates missing from the registry (first: b); 1 unexpected workspace(s) (first: c, its create failed, yet it is there)',
    );
    expect(registry()(run([...creates, registryLine({ a: 'w', b: 'w' })])).status).toBe('pass');
  });

  it("judges fedsim's own creates only: a workspace the scenario's own workloads made (through the user's system) is no unexpected entry", () => {
    const id = nextId++;
    const userOp: Line[] = [
      { type: 'invoke', id, t: id, region: 'eu', kind: 'create', workspace: 'x', cluster: 'w', workload: 'api' },
      { type: 'ok', id, t: id + 5 },
    ];
    const v = registry()(run([...creates, ...userOp, registryLine({ a: 'w', b: 'w', x: 'w', y: 'w' })]));
    expect(v.status, v.summary).toBe('pass');
    expect(v.evidence).toMatchObject({ ok: 2, unexpected: 0, byOthers: 2 });
    // Without a workload of the user's, an entry no create asked for is still unexpected.
    expect(registry()(run([...creates, registryLine({ a: 'w', b: 'w', y: 'w' })])).summary).toBe(
      '1 unexpected workspace(s) (first: y, never created)',
    );
  });

  it('leaves routing, residency and the registry unknown when the registry could not be read, not failing hundreds of operations', () => {
    const lines = [...creates, ...op('write', { ws: 'a', element: 1 }), registryLine({}, 'NoHostAvailableError'), held('w', ['a'])];
    const verdicts = compose({ registry: registry(), routing: routing(), residency: residency() })(run(lines));
    expect(verdicts.map((v) => [v.checker, v.status])).toEqual([
      ['registry', 'unknown'],
      ['routing', 'unknown'],
      ['residency', 'unknown'],
    ]);
    expect(verdicts[1]!.summary).toBe('the registry could not be read after the run (NoHostAvailableError)');
  });

  it('does not blame routing for a workspace the registry lost: counted as not judged, and the registry names the loss', () => {
    const lines = [...creates, ...op('write', { ws: 'b', element: 1 }), registryLine({ a: 'w' })];
    const v = routing()(run(lines));
    expect(v.status).toBe('unknown');
    expect(v.evidence.unjudged).toEqual({ noCoordinator: 0, unknownCoordinator: 0, notInRegistry: 1 });
  });
});

describe('3. missing evidence is unknown, never a pass', () => {
  it('durability: every final read but one failed is unknown, with the count (the demo re-checked as PASS)', () => {
    const lines = [
      ...op('write', { ws: 'a', element: 1 }),
      ...op('write', { ws: 'b', element: 2 }),
      ...op('write', { ws: 'c', element: 3 }),
      read('a', [1]),
      read('b', undefined, 'timeout'),
      read('c', undefined, 'timeout'),
    ];
    const v = durability()(run(lines));
    expect(v.status).toBe('unknown');
    expect(v.evidence).toMatchObject({ ok: 1, unread: 2, lost: 0 });
    // The run's verdict: an expectation that is unknown does not hold.
    const expect_ = ScenarioSchema.parse({ name: 'unit', topology: 'x.yaml', expect: { routing: false, residency: false } }).expect;
    const [durable] = expectations(expect_, checkRun(run(lines), checkOptions(expect_)));
    expect([durable!.name, durable!.holds]).toEqual(['durability', false]);
  });

  it('residency: a cluster that holds workspaces but has no residency line is unknown', () => {
    const lines = [...op('write', { ws: 'a', element: 1 }), registryLine({ a: 'w' }), held('main', [])];
    const v = residency()(run(lines));
    expect(v.status).toBe('unknown');
    expect(v.summary).toBe('could not judge every cluster: w was never read');
  });

  it('routing: successful operations with no coordinator are counted and leave it unknown', () => {
    const lines = [...op('write', { ws: 'a', element: 1 }), ...op('write', { ws: 'a', element: 2, by: null }), registryLine({ a: 'w' })];
    const v = routing()(run(lines));
    expect(v.status).toBe('unknown');
    expect(v.summary).toBe(
      '1 of 2 successful operations could not be judged (1 with no coordinator reported); the other 1 were served by the right cluster',
    );
  });

  it("routing judges fedsim's own operations: a user's operation and a stretched cluster's create (no request) are not unjudged", () => {
    const id = nextId++;
    const userOp: Line[] = [
      { type: 'invoke', id, t: id, region: 'eu', kind: 'checkout', workspace: 'cart', cluster: 'w', workload: 'shop' },
      { type: 'ok', id, t: id + 5 },
    ];
    const v = routing()(run([...op('write', { ws: 'a', element: 1 }), ...userOp, registryLine({ a: 'w' })]));
    expect(v.status, v.summary).toBe('pass');
    const stretched = new HistoryWriter(metaLine('stretched'));
    for (const l of [...op('create', { ws: 'a', cluster: 'geo', by: null }), ...op('write', { ws: 'a', cluster: 'geo', by: 'geo-eu-1' })])
      stretched.add(l);
    expect(routing()({ history: stretched.history, faults: [] }).status).toBe('pass');
  });

  it('a history with no operation: every checker unknown, and `fedsim check` without a scenario exits 1', async () => {
    const verdicts = checkRun(run([]));
    expect(verdicts.filter((v) => v.status !== 'unknown').map((v) => v.checker)).toEqual([]);
    const r = await fedsim(['check', file([]), '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).passed).toBe(false);
    const plain = await fedsim(['check', file([])]);
    expect(plain.stdout).toMatch(/FAIL: nothing could be judged/);
  }, 30_000);

  it('compose turns a checker that throws into unknown with its reason, and runs the others', () => {
    const verdicts = compose({
      broken: () => {
        throw new Error('no clusters in the meta line');
      },
      durability: durability(),
    })(run([...op('write', { ws: 'a', element: 1 }), read('a', [1])]));
    expect(verdicts.map((v) => [v.checker, v.status, v.summary])).toEqual([
      ['broken', 'unknown', 'the checker could not finish: no clusters in the meta line'],
      ['durability', 'pass', 'all 1 acknowledged writes read back after heal'],
    ]);
  });
});

describe('4 and 5. one percentile definition: HDR, clamped to the exact maximum; a value on the limit holds', () => {
  const at = (ms: number[], runStart = 0): Line[] => [
    { type: 'run', t: runStart },
    ...ms.flatMap((d, i) => op('read', { ws: 'a', t: runStart + 10 + i, ms: d })),
    { type: 'end', t: runStart + 10 + ms.length + 1000 },
  ];

  it('p99 never exceeds max, and 100 operations of exactly 100 ms hold `p99: 100ms`', () => {
    const v = latency([{ pair: '*', p99: 100, max: 100 }])(run(at(Array(100).fill(100))));
    expect(v.status).toBe('pass');
    expect(v.evidence.pairs).toEqual([{ pair: 'eu->eu', count: 100, p50: 100, p95: 100, p99: 100, max: 100 }]);
    const mixed = latency()(run(at([...Array(99).fill(5), 319.4])));
    const [row] = mixed.evidence.pairs as { p99: number; max: number }[];
    expect(row!.p99).toBeLessThanOrEqual(row!.max);
    expect(row!.max).toBe(319.4);
  });

  it("a p99 on its limit holds though the histogram's bucket top is above it; one clearly above fails", () => {
    const ms = [...Array(99).fill(100), 200];
    expect(latency([{ pair: '*', p99: 100 }])(run(at(ms))).status).toBe('pass');
    expect(latency([{ pair: '*', p99: 99 }])(run(at(ms))).status).toBe('fail');
  });

  it('steady state gives the same p99 as the latency checker on the same operations (10 ms, not the 500 ms maximum)', () => {
    const ms = [...Array(99).fill(10), 500];
    const lines = at(ms, 0);
    const steady = steadyState('after', { window: 1_000_000, maxErrorRate: 0, p99: 10 })(run(lines));
    const lat = latency()(run(lines));
    // 10 ms's bucket top (10.007 ms): the same figure from both, far from the 500 ms maximum.
    expect(steady.evidence.p99).toBe((lat.evidence.pairs as { p99: number }[])[0]!.p99);
    expect(steady.evidence.p99).toBeCloseTo(10, 1);
    expect(steady.status).toBe('pass');
  });
});

describe('6. faults are attributed from the moment they were asked for', () => {
  // A kill asked for at 1000 that the engine stamped in effect at 1600: a create that failed at 1300
  // failed because of it.
  const fault = killRecord({
    target: 'cluster:main',
    nodes: ['main-us-1'],
    asked: { t: 1000, wall: '' },
    effect: { t: 1600, wall: '' },
    undone: { t: 5000, wall: '' },
  });
  const lines: Line[] = [
    { type: 'run', t: 0 },
    ...op('create', { ws: 'a', t: 100 }),
    ...op('create', { ws: 'b', t: 1200, ms: 100, outcome: 'fail' }),
    ...op('create', { ws: 'c', t: 2000, outcome: 'fail' }),
    ...op('create', { ws: 'd', t: 6000 }),
  ];

  it('a failure between asked and in effect is the fault’s, so `maxErrorRate: 0` holds and the first failure is dated from asked', () => {
    const v = availability({ maxErrorRate: 0, failWhileFaulted: ['create'] })(run(lines, [fault]));
    expect(v.status, v.summary).toBe('pass');
    expect(v.evidence).toMatchObject({ errors: 0, expectedFailures: 2, faults: [{ firstFailureAfter: 300 }] });
  });
});

describe('8. the steady state after the run never reaches back into the warm-up', () => {
  it('on a run shorter than the window, the after window starts at the run mark', () => {
    const lines: Line[] = [
      ...op('read', { ws: 'a', t: 100, outcome: 'fail' }),
      { type: 'run', t: 1000 },
      ...op('read', { ws: 'a', t: 1500 }),
      { type: 'end', t: 2000 },
    ];
    const v = steadyState('after', { window: 5000, maxErrorRate: 0 })(run(lines));
    expect(v.status, v.summary).toBe('pass');
    expect(v.evidence).toMatchObject({ from: 1000, to: 2000, operations: 1, errors: 0 });
  });
});

describe('9 and 10. the loader: what a crash leaves is judged; malformed joins are named by file and line', () => {
  const ok = [...op('write', { ws: 'a', element: 1 }), read('a', [1])];

  it('drops a partial last line with a warning, and judges the rest', async () => {
    const path = file(ok, '{"type":"ok","id":77,"t":12');
    const h = await loadHistory(path);
    expect(h.ops).toHaveLength(1);
    expect(h.warnings).toEqual([`${path}:5: the last line is cut short (what a crash leaves); dropped, the lines before it are judged`]);
    const r = await fedsim(['check', path]);
    expect(r.stderr).toBe(
      `fedsim: warning: ${path}:5: the last line is cut short (what a crash leaves); dropped, the lines before it are judged\n`,
    );
    expect(r.stdout).toMatch(/PASS {2}durability/);
  }, 30_000);

  it('refuses a complete last line that is not JSON: a crash leaves no newline after its partial line', async () => {
    const path = file(ok, 'not json\n');
    await expect(loadHistory(path)).rejects.toThrow(`${path}:5: not a JSON line; is this a fedsim history?`);
  });

  it('names each malformed join with its file and line', async () => {
    const inv = (id: number, t = 1): Line => ({
      type: 'invoke',
      id,
      t,
      region: 'eu',
      kind: 'write',
      workspace: 'a',
      cluster: 'w',
      element: id,
    });
    const done = (id: number, t = 2): Line => ({ type: 'ok', id, t, coordinator: 'w-eu-1' });
    const cases: [Line[], string][] = [
      [[done(5), inv(5)], ':3: operation 5 is invoked after its completion on line 2.'],
      [[inv(5), done(5), done(5)], ':4: operation 5 completes a second time.'],
      [[inv(5), inv(5)], ':3: operation 5 is invoked a second time.'],
      [[done(9)], ':2: operation 9 completes but is never invoked.'],
      [[inv(5, 10), done(5, 9)], ':3: operation 5 completes at 9 ms, before it was invoked (10 ms).'],
      [[inv(5, 1e300)], ":2: a invoke line has time 1e+300, out of range (ms on the run's clock, 0 to 30 days)."],
      [[inv(5), done(5, -3)], ":3: a ok line has time -3, out of range (ms on the run's clock, 0 to 30 days)."],
    ];
    for (const [lines, message] of cases) {
      const path = file(lines);
      await expect(loadHistory(path)).rejects.toThrow(`${path}${message}`);
    }
    const path = file([inv(5, 1e300)]);
    const r = await fedsim(['check', path]);
    expect([r.code, r.stderr]).toEqual([
      2,
      `fedsim: ${path}:2: a invoke line has time 1e+300, out of range (ms on the run's clock, 0 to 30 days).\n`,
    ]);
  }, 30_000);
});

describe('3. a run that did not finish is not re-checked into a pass', () => {
  it('says how the run ended and fails, though the part it recorded holds', async () => {
    const path = file([...op('write', { ws: 'a', element: 1 }), read('a', [1])]);
    const dir = join(path, '..');
    const before = await fedsim(['check', dir]);
    expect([before.code, before.stdout]).toEqual([0, expect.stringMatching(/PASS {2}durability/)]);
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ scenario: 'x', ended: 'interrupted', error: 'interrupted by SIGINT' }));
    const r = await fedsim(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'The run was interrupted before it finished (interrupted by SIGINT): what follows judges the part it recorded, and a run that did not finish does not pass.',
    );
    expect(r.stdout).toMatch(/PASS {2}durability[^\n]*\n(.*\n)*FAIL: the run did not finish \(interrupted\)\n$/);
    const json = JSON.parse((await fedsim(['check', dir, '--json'])).stdout) as { passed: boolean; ended: unknown };
    expect([json.passed, json.ended]).toEqual([false, { how: 'interrupted', error: 'interrupted by SIGINT' }]);
  }, 60_000);

  it("with the run's expectations too: a run stopped on an error fails though every expectation holds", async () => {
    const path = file([...op('create', { ws: 'a' }), ...op('write', { ws: 'a', element: 1 }), read('a', [1]), registryLine({ a: 'w' })]);
    const dir = join(path, '..');
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ name: 'saved', expect: { routing: false, residency: false } }));
    expect((await fedsim(['check', dir])).code).toBe(0);
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ scenario: 'saved', ended: 'error', error: 'Node x did not answer' }));
    const r = await fedsim(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('The run stopped on an error before it finished (Node x did not answer)');
    expect(r.stdout).toMatch(/FAIL: 2 of 2 expectations hold, but the run did not finish \(error\)\n$/);
  }, 60_000);

  it('a report.json that cannot be read (cut short as its run was killed) leaves the ending unknown: no pass', async () => {
    const path = file([...op('write', { ws: 'a', element: 1 }), read('a', [1])]);
    const dir = join(path, '..');
    writeFileSync(join(dir, 'report.json'), '{"scenario": "x", "ended": "inter');
    const r = await fedsim(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${join(dir, 'report.json')} cannot be read (`);
    expect(r.stdout).toMatch(/FAIL: how the run ended is not known\n$/);
  }, 60_000);
});

describe('7. `--json` reaches a slow pipe whole', () => {
  it('a report longer than a pipe holds arrives whole before exit', async () => {
    // Two and a half hours of operations: a thousand error-rate windows make a report longer than a pipe buffer.
    const lines = Array.from({ length: 9000 }, (_, i) => op('read', { ws: 'a', t: i * 1000 })).flat();
    const path = file([...lines, registryLine({ a: 'w' })]);
    // A shell pipe (a socket pair, as Node's own spawn makes, holds more) whose reader sleeps first:
    // the process is done writing while the pipe is full.
    const r = await new Promise<{ text: string; code: number | null }>((resolve) => {
      const child = execFile('sh', ['-c', `"${process.execPath}" "${cli}" check "${path}" --json | (sleep 1; cat)`], {
        maxBuffer: 64 << 20,
      });
      let text = '';
      child.stdout!.on('data', (d) => {
        text += d;
      });
      child.on('close', (code) => resolve({ text, code }));
    });
    expect(r.text.length).toBeGreaterThan(65_536);
    expect(JSON.parse(r.text).verdicts.length).toBeGreaterThan(0);
  }, 30_000);
});

describe('11. wording names the cause', () => {
  it('a workspace with acknowledged writes and no final read says none was made, not that it failed', () => {
    const v = durability()(run([...op('write', { ws: 'a', element: 1 }), ...op('write', { ws: 'b', element: 2 }), read('a', [1])]));
    expect(v.status).toBe('unknown');
    expect(v.evidence.unreadWorkspaces).toEqual([{ workspace: 'b', acknowledged: 1, why: 'no final read was made' }]);
  });
});

describe('evidence stays bounded on day-long runs', () => {
  it('widens the error-rate windows to at most 1000, and counts every operation', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => op('read', { ws: 'a', t: i * 30_000, outcome: i % 3 ? 'ok' : 'fail' })).flat();
    const v = availability()(run(lines));
    const windows = v.evidence.windows as { ok: number; errors: number }[];
    expect(windows.length).toBeLessThanOrEqual(1000);
    expect(v.evidence.windowWidth).toBe(90_000);
    expect(windows.reduce((n, w) => n + w.ok + w.errors, 0)).toBe(3000);
  });
});
