import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { checkRun } from '../../src/checkers/all.js';
import type { Verdict } from '../../src/checkers/verdict.js';
import { checkOptions, expectations } from '../../src/report/expectations.js';
import { buildReport, junitXml, summaryMarkdown } from '../../src/report/report.js';
import { loadScenario } from '../../src/scenarios/file.js';
import { type ScenarioInput, ScenarioSchema } from '../../src/scenarios/schema.js';
import { planTimeline } from '../../src/scenarios/timeline.js';
import { HistoryWriter } from '../../src/workload/history.js';
import { killRecord, metaLine } from './histories.js';

const dir = mkdtempSync(join(tmpdir(), 'fedsim-scenarios-'));
const topology = {
  shape: 'federation',
  regions: ['us', 'eu'],
  clusters: [
    { name: 'main', role: 'main', nodes: { us: 1 } },
    { name: 'wk', role: 'worker', nodes: { eu: 2 } },
  ],
  keyspaces: [{ name: 'app', replication: 1 }],
};
const scenario = (extra: Partial<ScenarioInput> = {}) => ScenarioSchema.parse({ name: 'unit', topology, ...extra });
function file(name: string, doc: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(doc));
  return p;
}

describe('scenario files', () => {
  it('load the library, each naming a topology the runner can plan', () => {
    for (const name of ['node-failover', 'geo-redundant-pair']) {
      const { scenario: s, topology: t } = loadScenario(join(import.meta.dirname, `../../scenarios/${name}.yaml`));
      expect(s.name).toBe(name);
      expect(t.regions.length).toBeGreaterThan(0);
    }
  });

  it('name the bad field of a timeline step, and faults on regions or nodes the topology lacks', () => {
    expect(() => loadScenario(file('a.json', { name: 'a1', topology, timeline: [{ fault: { kind: 'kill', target: 'all' } }] }))).toThrow(
      /a\.json: timeline\[0\]: a step needs exactly one of "at" or "after"/,
    );
    expect(() =>
      loadScenario(file('b.json', { name: 'b1', topology, timeline: [{ at: '5s', fault: { kind: 'outage', target: 'mars' } }] })),
    ).toThrow('b.json: timeline[0].fault: Unknown region "mars"; the regions are us, eu.');
    expect(() =>
      loadScenario(
        file('c.json', { name: 'c1', topology, nemesis: { every: '5s', for: '2s', faults: [{ kind: 'kill', target: 'wk-eu-9' }] } }),
      ),
    ).toThrow(/c\.json: nemesis\.faults\[0\]: Unknown node "wk-eu-9"/);
    expect(() => loadScenario(file('d.json', { name: 'd1', topology, workload: { regions: ['ap'] } }))).toThrow(
      /workload\.regions: unknown region "ap"/,
    );
    expect(() => loadScenario(file('e.json', { name: 'e1', topology: 'nowhere.yaml' }))).toThrow(
      /nowhere\.yaml: cannot be read: no such file or folder/,
    );
  });
});

describe("fedsim's clients", () => {
  it('reconnect 100 ms doubling to 1 s unless the scenario says otherwise; a bad policy is one sentence', () => {
    expect(ScenarioSchema.parse({ name: 'a1', topology }).clients).toEqual({ reconnect: { base: 100, max: 1000 } });
    expect(ScenarioSchema.parse({ name: 'a1', topology, clients: { reconnect: { max: '5s' } } }).clients.reconnect).toEqual({
      base: 100,
      max: 5000,
    });
    expect(() => loadScenario(file('f.json', { name: 'f1', topology, clients: { reconnect: { base: '2s', max: '1s' } } }))).toThrow(
      /f\.json: clients\.reconnect: reconnect\.base must not exceed reconnect\.max/,
    );
    expect(() => loadScenario(file('g.json', { name: 'g1', topology, clients: { reconnect: { base: 0 } } }))).toThrow(
      /reconnect\.base must be at least 10ms/,
    );
  });
});

describe('the timeline', () => {
  it('resolves "after" from the previous step and keeps order', () => {
    const s = scenario({
      workload: { duration: '60s' },
      timeline: [
        { at: '10s', fault: { kind: 'partition', target: 'us|eu', for: '5s' } },
        { after: '20s', heal: true },
        { at: '2s', fault: { kind: 'latency', target: 'us->eu', latency: '50ms' } },
      ],
    });
    expect(planTimeline(s, 1).map((x) => [x.at, x.fault?.kind ?? 'heal'])).toEqual([
      [2000, 'latency'],
      [10_000, 'partition'],
      [30_000, 'heal'],
    ]);
  });

  it('draws random faults at the interval: the same seed, the same faults and picks', () => {
    const s = scenario({
      workload: { duration: '60s' },
      nemesis: {
        every: '10s',
        for: '3s',
        faults: [
          { kind: 'kill', target: 'cluster:wk', pick: 1 },
          { kind: 'stall', target: 'us<->eu' },
          { kind: 'restart', target: 'all', pick: 1 },
        ],
      },
    });
    const a = planTimeline(s, 7);
    expect(a.map((x) => x.at)).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(planTimeline(s, 7)).toEqual(a);
    expect(planTimeline(s, 8)).not.toEqual(a);
    for (const step of a) {
      if (step.fault!.kind === 'restart') expect(step.fault!.for).toBeUndefined();
      else expect(step.fault!.for).toBe(3000);
      if (step.fault!.pick) expect(step.fault!.seed).toBeTypeOf('number');
    }
  });
});

describe('reports', () => {
  const s = scenario({ expect: { latency: [{ pair: 'remote', p99: '1ms' }], steady: { window: '1s', maxErrorRate: 0 } } });
  const w = new HistoryWriter(metaLine());
  for (let id = 0; id < 20; id++) {
    w.add({ type: 'invoke', id, t: id * 100, region: 'us', kind: 'read', workspace: 'eu-w0', cluster: 'w', element: 1 });
    w.add({ type: id === 15 ? 'fail' : 'ok', id, t: id * 100 + 30, coordinator: id === 15 ? undefined : 'w-eu-1' });
  }
  const verdicts: Verdict[] = [
    { checker: 'durability', status: 'pass', summary: 'all 0', evidence: {} },
    { checker: 'registry', status: 'pass', summary: 'all 1', evidence: {} },
    { checker: 'routing', status: 'pass', summary: 'ok', evidence: {} },
    { checker: 'residency', status: 'unknown', summary: 'could not read', evidence: {} },
    { checker: 'latency', status: 'fail', summary: '1 threshold(s) exceeded: us->eu p99 30.0 ms > 1 ms', evidence: { breaches: ['x'] } },
    { checker: 'availability', status: 'pass', summary: 'fine', evidence: {} },
  ];
  w.add({ type: 'run', t: 1000 });
  w.add({ type: 'end', t: 2000 });
  // The steady state from its checkers, over the history; the others as given.
  const steadyOf = (h: typeof w.history) =>
    checkRun({ history: h, faults: [] }, checkOptions(s.expect)).filter((v) => v.checker.startsWith('steady'));
  const expected = expectations(s.expect, [...verdicts, ...steadyOf(w.history)]);

  it('turn the expectations asked for into holds / fails, unknown counting as not holding', () => {
    expect(expected.map((e) => [e.name, e.holds])).toEqual([
      ['durability', true],
      ['registry', true],
      ['routing', true],
      ['residency', false],
      ['latency', false],
      ['steady-state before', true],
      ['steady-state after', false],
    ]);
    expect(expected.at(-1)!.verdict.summary).toMatch(/^error rate 10\.0% > 0\.0% \(10 operations, 1\.0-2\.0 s\)/);
  });

  it('take the steady-state windows from the history’s run and end marks, and say so when it has none', () => {
    const unmarked = new HistoryWriter(metaLine());
    const steady = expectations(s.expect, [...verdicts, ...steadyOf(unmarked.history)]).filter((e) => e.name.startsWith('steady'));
    expect(steady.map((e) => [e.holds, e.verdict.summary])).toEqual([
      [false, 'the history has no run and end marks to place the windows'],
      [false, 'the history has no run and end marks to place the windows'],
    ]);
  });

  it('judge an alert by the fault its timeline step injected, and call it unknown without monitoring', () => {
    const alerting = ScenarioSchema.parse({
      name: 'unit',
      topology,
      expect: { durability: false, routing: false, residency: false, alerts: [{ alert: 'FedsimNodeDown', fault: 1, firesWithin: '10s' }] },
    }).expect;
    const kill = (id: string, step: number, effect: number) =>
      killRecord({ id, step, asked: { t: effect - 5, wall: '' }, effect: { t: effect, wall: '' } });
    const faults = [kill('first', 0, 1_000), kill('second', 1, 30_000)];
    const fired = (t: number) =>
      ({ type: 'alert', t, wall: '', status: 'firing', alert: 'FedsimNodeDown', fingerprint: 'a', labels: {}, startsAt: '' }) as const;
    const judge = (alerts?: ReturnType<typeof fired>[]) =>
      expectations(alerting, checkRun({ history: w.history, faults, alerts }, checkOptions(alerting)));
    const [early] = judge([fired(5_000)]);
    expect(early!.verdict.summary).toBe('FedsimNodeDown never fired after kill w-eu-1 took effect');
    const [late] = judge([fired(5_000), fired(36_000)]);
    expect([late!.holds, late!.verdict.summary]).toEqual([true, 'kill w-eu-1: fired 6.0 s after it took effect']);
    const [none] = judge();
    expect([none!.holds, none!.verdict.summary]).toEqual([false, 'no monitoring in this run']);
  });

  it('write junit.xml with one testcase per expectation and the failures named', () => {
    const report = buildReport(s, 5, 'unit', w.history, [], verdicts, expected, {
      startedAt: new Date(0),
      seconds: { total: 10, up: 1, warmup: 1, run: 5, heal: 1, check: 1 },
    });
    expect(report.passed).toBe(false);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(junitXml(report, expected));
    const suite = parsed.testsuites.testsuite;
    expect(suite['@_tests']).toBe('7');
    expect(suite['@_failures']).toBe('3');
    const failed = suite.testcase.filter((c: { failure?: unknown }) => c.failure).map((c: { '@_name': string }) => c['@_name']);
    expect(failed).toEqual(['residency', 'latency', 'steady-state after']);
    expect(summaryMarkdown(report)).toMatch(/^# unit: FAIL\n/);
    expect(summaryMarkdown(report)).toMatch(/\| latency \| \*\*no\*\* \| 1 threshold\(s\) exceeded/);
  });

  it('report an interrupted run as ended so, not passed, with a failing testcase of its own in junit.xml', () => {
    const report = buildReport(s, 5, 'unit', w.history, [], [], [], {
      startedAt: new Date(0),
      seconds: { total: 10, up: 0, warmup: 0, run: 0, heal: 0, check: 0 },
      ended: { how: 'interrupted', error: 'interrupted by SIGTERM' },
    });
    expect([report.ended, report.error, report.passed]).toEqual(['interrupted', 'interrupted by SIGTERM', false]);
    expect(report.operations.total).toBe(w.history.ops.length);
    const suite = new XMLParser({ ignoreAttributes: false }).parse(junitXml(report, [])).testsuites.testsuite;
    expect([suite['@_tests'], suite['@_failures']]).toEqual(['1', '1']);
    expect(suite.testcase['@_name']).toBe('run');
    expect(suite.testcase.failure['@_message']).toBe('the run was interrupted: interrupted by SIGTERM');
    expect(summaryMarkdown(report)).toMatch(
      /^# unit: FAIL \(interrupted\)\n\n\*\*The run was interrupted\*\* before it finished: interrupted by SIGTERM/,
    );
    // A completed run says so, and its junit.xml has no such testcase.
    const completed = buildReport(s, 5, 'unit', w.history, [], verdicts, expected, {
      startedAt: new Date(0),
      seconds: { total: 10, up: 1, warmup: 1, run: 5, heal: 1, check: 1 },
    });
    expect([completed.ended, completed.error]).toEqual(['completed', undefined]);
    expect(junitXml(completed, expected)).not.toContain('name="run"');
  });

  it('separate, per fault, its nodes answering again from the clients succeeding again', () => {
    const kill = killRecord({ id: 'k', asked: { t: 990, wall: '' }, effect: { t: 1000, wall: '' }, undone: { t: 3000, wall: '' } });
    const report = buildReport(s, 5, 'unit', w.history, [{ ...kill, answering: { t: 9000, wall: '' } }], verdicts, expected, {
      startedAt: new Date(0),
      seconds: { total: 10, up: 1, warmup: 1, run: 5, heal: 1, check: 1 },
    });
    expect(report.recovery[0]).toMatchObject({ id: 'k', nodesAnsweringAfter: 6000 });
    expect(summaryMarkdown(report)).toMatch(
      /\| fault \| target \| in effect \| undone \| nodes answering again \| client succeeding again \|/,
    );
    expect(summaryMarkdown(report)).toMatch(/\| kill \| w-eu-1 \| 1\.0 s \| 3\.0 s \| \+6\.0 s \| (-|\+[\d.]+ s) \|/);
  });
});
