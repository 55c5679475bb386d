import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFaultLog } from '../../src/faults/log.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { federationNames, removeFederation } from '../../src/runtime/removal.js';
import { loadHistory } from '../../src/workload/history.js';
import { expectSameVerdictAgain, fedsimRun, root } from './fedsim.js';

const out = mkdtempSync(join(tmpdir(), 'fedsim-runs-'));

afterAll(async () => {
  const engine = await connectEngine();
  await removeFederation(engine, 'impossible-latency');
});

/**
 * The run folder holds every artefact, junit.xml parses, the SVGs shade every fault, report.json matches the history, and
 * `fedsim check` of the folder alone derives the run's verdict again, expectation by expectation.
 */
async function expectRunFolder(dir: string, expectedCases: string[]) {
  for (const f of [
    'scenario.json',
    'history.jsonl',
    'faults.jsonl',
    'report.json',
    'junit.xml',
    'summary.md',
    'report.html',
    'latency.svg',
    'rate.svg',
  ]) {
    if (f === 'faults.jsonl' && !JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8')).timeline.length) continue;
    expect(existsSync(join(dir, f)), f).toBe(true);
  }
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  const history = await loadHistory(join(dir, 'history.jsonl'));
  expect(report.operations.total).toBe(history.ops.length);
  expect(report.operations.ok).toBe(history.ops.filter((o) => o.outcome === 'ok').length);
  if (existsSync(join(dir, 'faults.jsonl'))) expect(report.faults).toEqual(loadFaultLog(join(dir, 'faults.jsonl')));
  const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(dir, 'junit.xml'), 'utf8'));
  const cases = [junit.testsuites.testsuite.testcase].flat().map((c: { '@_name': string }) => c['@_name']);
  expect(cases).toEqual(expectedCases);
  // The plots: each SVG well-formed with one shaded band per fault that took effect.
  const inEffect = report.faults.filter((f: { effect?: unknown }) => f.effect).length;
  for (const svg of ['latency.svg', 'rate.svg']) {
    const text = readFileSync(join(dir, svg), 'utf8');
    expect(XMLValidator.validate(text), svg).toBe(true);
    expect(text.match(/<rect class="fault"/g) ?? [], svg).toHaveLength(inEffect);
  }
  await expectSameVerdictAgain(dir, report);
  return report;
}

describe('library scenarios, run end to end', () => {
  for (const [name, cases] of [
    ['node-failover', ['durability', 'registry', 'routing', 'residency', 'availability', 'steady-state before', 'steady-state after']],
    ['geo-redundant-pair', ['durability', 'registry', 'routing', 'residency', 'availability']],
    ['partition-heal', ['durability', 'registry', 'routing', 'residency', 'availability', 'steady-state before', 'steady-state after']],
    ['region-outage', ['durability', 'registry', 'routing', 'residency', 'availability', 'steady-state before', 'steady-state after']],
  ] as const) {
    it(`${name} passes and leaves nothing behind`, async () => {
      const dir = join(out, name);
      const r = await fedsimRun([join(root, 'scenarios', `${name}.yaml`), '--out', dir]);
      expect(r.code, `${r.stdout}\n${r.stderr.slice(-3000)}`).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${name}: PASS \\(seed 1, \\d+ s\\)`));
      const report = await expectRunFolder(dir, [...cases]);
      expect(report.passed).toBe(true);
      expect(report.faults.every((f: { effect?: unknown; undone?: unknown }) => f.effect && f.undone)).toBe(true);
      expect(await federationNames(await connectEngine())).not.toContain(name);
    });
  }

  it('geo-redundant-pair: its EACH_QUORUM writes really failed during the outage and worked again after it', async () => {
    const dir = join(out, 'geo-redundant-pair');
    const history = await loadHistory(join(dir, 'history.jsonl'));
    const [outage] = loadFaultLog(join(dir, 'faults.jsonl'));
    const each = history.ops.filter((o) => o.consistency === 'EACH_QUORUM');
    const during = each.filter((o) => o.invoke >= outage!.effect!.t && o.invoke < outage!.undone!.t);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((o) => o.outcome === 'ok')).toEqual([]);
    expect(each.some((o) => o.outcome === 'ok' && o.invoke >= outage!.undone!.t)).toBe(true);
    // Meanwhile every LOCAL_QUORUM write and every read succeeded.
    expect(history.ops.filter((o) => o.consistency !== 'EACH_QUORUM' && o.outcome !== 'ok')).toEqual([]);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const availability = report.verdicts.find((v: { checker: string }) => v.checker === 'availability');
    expect(availability.evidence.faults[0].whileFaulted['write@EACH_QUORUM']).toMatchObject({ succeeded: 0 });
  });
});

describe('a scenario whose expectation cannot hold', () => {
  it('exits 1 naming it, keeps the federation for reuse, and a second run resets it in seconds', async () => {
    const file = join(root, 'test/fixtures/impossible-latency.yaml');
    const first = await fedsimRun([file, '--out', join(out, 'first'), '--seed', '3']);
    expect(first.code, first.stderr.slice(-2000)).toBe(1);
    expect(first.stdout).toMatch(/^impossible-latency: FAIL \(seed 3,/);
    expect(first.stdout).toMatch(/FAILS +latency +\d threshold\(s\) exceeded: .*p99 .* > 1 ms/);
    await expectRunFolder(join(out, 'first'), ['durability', 'registry', 'routing', 'residency', 'latency']);
    expect(await federationNames(await connectEngine())).toContain('impossible-latency');

    // The second as a script runs it: --json, the verdict one JSON document on stdout, the same exit code.
    const second = await fedsimRun([file, '--out', join(out, 'second'), '--seed', '3', '--json']);
    expect(second.code).toBe(1);
    const verdict = JSON.parse(second.stdout);
    expect(verdict).toMatchObject({ runFolder: join(out, 'second'), scenario: 'impossible-latency', seed: 3, passed: false });
    expect(verdict.reportHtml).toBe(join(out, 'second', 'report.html'));
    expect(verdict.expectations.find((e: { name: string }) => e.name === 'latency')).toMatchObject({ holds: false, status: 'fail' });
    expect(verdict).toEqual({
      runFolder: verdict.runFolder,
      reportHtml: verdict.reportHtml,
      ...JSON.parse(readFileSync(join(out, 'second', 'report.json'), 'utf8')),
    });
    const reset = /reused federation impossible-latency: faults healed and data emptied in ([\d.]+) s/.exec(second.stderr);
    expect(reset, second.stderr.slice(-2000)).not.toBeNull();
    expect(Number(reset![1])).toBeLessThan(5);
    // The same seed gives the same operations: the n-th write of a region has the same element and
    // workspace in both runs (how many writes each run got in differs with timing).
    const writes = async (run: string) =>
      new Map(
        (await loadHistory(join(out, run, 'history.jsonl'))).ops
          .filter((o) => o.kind === 'write')
          .map((o) => [o.element!, o.workspace] as const),
      );
    const [a, b] = [await writes('first'), await writes('second')];
    const both = [...a.keys()].filter((e) => b.has(e));
    expect(both.length).toBeGreaterThanOrEqual(40);
    expect(both.map((e) => `${e} ${b.get(e)}`)).toEqual(both.map((e) => `${e} ${a.get(e)}`));
  });
});
