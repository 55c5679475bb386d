import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { latencyTable, localVsRemote, type PairLatency, type ReachLatency } from '../checkers/latency.js';
import type { Verdict } from '../checkers/verdict.js';
import type { FaultRecord } from '../faults/log.js';
import type { Scenario } from '../scenarios/schema.js';
import type { History } from '../workload/history.js';
import type { Expectation } from './expectations.js';
import { remoteWriteSummary } from './remote-write.js';

/**
 * A run's reports: report.json (everything, for machines), junit.xml (one testcase per
 * expectation, for CI), summary.md (what a person reads first).
 */
export interface Report {
  scenario: string;
  seed: number;
  federation: string;
  startedAt: string;
  finishedAt: string;
  seconds: { total: number; up: number; warmup: number; run: number; heal: number; check: number };
  passed: boolean;
  expectations: { name: string; holds: boolean; status: Verdict['status']; summary: string }[];
  verdicts: Verdict[];
  operations: { total: number; ok: number; fail: number; info: number };
  latency: PairLatency[];
  /** Per client region: served in its own region vs elsewhere. */
  reach: ReachLatency[];
  faults: FaultRecord[];
}

/** An expectation as report.json (and `fedsim check --json`) gives it. */
export const expectationRow = (e: Expectation): Report['expectations'][number] => ({
  name: e.name,
  holds: e.holds,
  status: e.verdict.status,
  summary: e.verdict.summary,
});

export function buildReport(
  scenario: Scenario,
  seed: number,
  federation: string,
  h: History,
  faults: FaultRecord[],
  verdicts: Verdict[],
  expected: Expectation[],
  times: { startedAt: Date; seconds: Report['seconds'] },
): Report {
  const count = (o: string) => h.ops.filter((x) => x.outcome === o).length;
  return {
    scenario: scenario.name,
    seed,
    federation,
    startedAt: times.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: times.seconds,
    passed: expected.every((e) => e.holds),
    expectations: expected.map(expectationRow),
    verdicts,
    operations: { total: h.ops.length, ok: count('ok'), fail: count('fail'), info: count('info') },
    latency: latencyTable(h),
    reach: localVsRemote(h),
    faults,
  };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(r: Report, expected: Expectation[]): string {
  const failures = expected.filter((e) => !e.holds).length;
  const cases = expected.map((e) => {
    const head = `    <testcase classname="fedsim.${xml(r.scenario)}" name="${xml(e.name)}" time="0">`;
    if (e.holds) return `${head}</testcase>`;
    const what = e.verdict.status === 'unknown' ? `could not be checked: ${e.verdict.summary}` : e.verdict.summary;
    return `${head}\n      <failure message="${xml(what)}">${xml(JSON.stringify(e.verdict.evidence, null, 2))}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fedsim" tests="${expected.length}" failures="${failures}" time="${r.seconds.total.toFixed(1)}">`,
    `  <testsuite name="${xml(r.scenario)}" tests="${expected.length}" failures="${failures}" errors="0" time="${r.seconds.total.toFixed(1)}" timestamp="${r.startedAt}">`,
    `    <properties><property name="seed" value="${r.seed}"/><property name="federation" value="${xml(r.federation)}"/></properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function summaryMarkdown(r: Report): string {
  const lines = [
    `# ${r.scenario}: ${r.passed ? 'PASS' : 'FAIL'}`,
    '',
    `Seed ${r.seed} (replay with \`--seed ${r.seed}\`), federation \`${r.federation}\`, ${r.startedAt}, ${r.seconds.total.toFixed(0)} s in all (up ${r.seconds.up.toFixed(0)} s, warm-up ${r.seconds.warmup.toFixed(0)} s, run ${r.seconds.run.toFixed(0)} s, heal ${r.seconds.heal.toFixed(0)} s).`,
    '',
    '| expectation | holds | what was seen |',
    '| --- | --- | --- |',
    ...r.expectations.map(
      (e) => `| ${e.name} | ${e.holds ? 'yes' : e.status === 'unknown' ? 'unknown' : '**no**'} | ${e.summary.replace(/\|/g, '\\|')} |`,
    ),
    '',
    `Operations: ${r.operations.total} (${r.operations.ok} ok, ${r.operations.fail} failed, ${r.operations.info} unknown outcome).`,
    '',
    '| client region -> serving region | ops | p50 | p95 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    ...r.latency.map(
      (l) =>
        `| ${l.pair} | ${l.count} | ${l.p50.toFixed(1)} ms | ${l.p95.toFixed(1)} ms | ${l.p99.toFixed(1)} ms | ${l.max.toFixed(1)} ms |`,
    ),
    '',
  ];
  lines.push(...remoteWriteSummary(r.verdicts));
  if (r.reach.some((x) => x.remote)) {
    const cell = (l?: PairLatency) => (l ? `${l.count} | ${l.p50.toFixed(1)} ms | ${l.p99.toFixed(1)} ms` : '0 | - | -');
    lines.push(
      "Served in the client's own region vs in another region:",
      '',
      '| client region | local ops | local p50 | local p99 | cross-region ops | cross-region p50 | cross-region p99 |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...r.reach.map((x) => `| ${x.region} | ${cell(x.local)} | ${cell(x.remote)} |`),
      '',
    );
  }
  if (r.faults.length) {
    lines.push('| fault | target | in effect | undone |', '| --- | --- | --- | --- |');
    for (const f of r.faults)
      lines.push(
        `| ${f.kind} | ${f.target} | ${f.effect ? `${(f.effect.t / 1000).toFixed(1)} s` : f.error ? `failed: ${f.error}` : '-'} | ${f.undone ? `${(f.undone.t / 1000).toFixed(1)} s` : '-'} |`,
      );
    lines.push('');
  }
  lines.push(
    'Files: `scenario.json` (as run), `history.jsonl`, `faults.jsonl`, `report.json`, `junit.xml` (and `alerts.jsonl` when monitored). `fedsim check` of this folder derives the verdict again, no containers needed.',
    '',
  );
  return lines.join('\n');
}

export function writeReports(dir: string, r: Report, expected: Expectation[]): void {
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'junit.xml'), junitXml(r, expected));
  writeFileSync(join(dir, 'summary.md'), summaryMarkdown(r));
}
