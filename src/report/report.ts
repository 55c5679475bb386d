import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Recovery, recoveries } from '../checkers/availability.js';
import { FLOOR_BOUNDS, floorLine, type NoiseFloor, saturation } from '../checkers/floor.js';
import { latencyTable, localVsRemote, type PairLatency, type ReachLatency } from '../checkers/latency.js';
import type { Verdict } from '../checkers/verdict.js';
import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import type { Scenario } from '../scenarios/schema.js';
import type { History } from '../workload/history.js';
import type { Expectation } from './expectations.js';
import type { PlotOptions } from './plots.js';
import { remoteWriteSummary } from './remote-write.js';
import { VISUAL_FILES, type VisualInput, writeVisuals } from './visuals.js';

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
  /** Per fault undone: the nodes answering again (probed directly) apart from the clients succeeding again. */
  recovery: Recovery[];
  /** What the host alone did to the run (absent in runs before fedsim measured it). */
  floor?: NoiseFloor;
  /** The floor's bounds it was beyond: latency and availability failures then are `unknown`. */
  saturated?: string[];
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
  times: { startedAt: Date; seconds: Report['seconds']; floor?: NoiseFloor },
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
    recovery: recoveries(h, faults),
    ...(times.floor && { floor: times.floor, saturated: saturation(times.floor) }),
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
    ...(r.floor
      ? [
          `Noise floor (what the host alone did, measured beside the run): ${floorLine(r.floor)}. ${r.saturated?.length ? `**Beyond its bounds**: ${r.saturated.join('; ')}; latency, availability and steady-state failures the host can explain are unknown, not failures.` : `Within its bounds (host CPU p90 < ${FLOOR_BOUNDS.hostCpuP90 * 100}%, event loop p99 <= ${FLOOR_BOUNDS.eventLoopP99Ms} ms, local canary p99 <= ${FLOOR_BOUNDS.canaryP99Ms} ms).`}`,
          '',
        ]
      : []),
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
    // After the undo: the database back (its nodes answer CQL, probed directly) vs fedsim's clients back.
    const after = (ms?: number) => (ms === undefined ? '-' : `+${(ms / 1000).toFixed(1)} s`);
    const recovery = new Map((r.recovery ?? []).map((x) => [x.id, x]));
    lines.push(
      '| fault | target | in effect | undone | nodes answering again | client succeeding again |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const f of r.faults)
      lines.push(
        `| ${f.kind} | ${f.target} | ${f.effect ? `${(f.effect.t / 1000).toFixed(1)} s` : f.error ? `failed: ${f.error}` : '-'} | ${f.undone ? `${(f.undone.t / 1000).toFixed(1)} s` : '-'} | ${after(recovery.get(f.id)?.nodesAnsweringAfter)} | ${after(recovery.get(f.id)?.clientSucceedingAfter)} |`,
      );
    lines.push('');
  }
  lines.push(
    `Plots ([report.html](${VISUAL_FILES.html}) has them all, interactive, with the timeline of operations):`,
    '',
    `![latency per operation, faults shaded](${VISUAL_FILES.latency})`,
    '',
    `![operations and errors per second, faults shaded](${VISUAL_FILES.rate})`,
    '',
    'Files: `scenario.json` (as run), `history.jsonl`, `faults.jsonl`, `report.json`, `junit.xml`, `report.html`, `latency.svg`, `rate.svg` (and `alerts.jsonl` when monitored). `fedsim check` of this folder derives the verdict again and `fedsim report` draws the plots again, no containers needed.',
    '',
  );
  return lines.join('\n');
}

/** What report.json holds beyond these keys (e.g. a section another part measured) report.html shows as it is. */
const REPORT_KEYS = new Set([
  'scenario',
  'seed',
  'federation',
  'startedAt',
  'finishedAt',
  'seconds',
  'passed',
  'expectations',
  'verdicts',
  'operations',
  'latency',
  'reach',
  'faults',
  'recovery',
  'floor',
  'saturated',
]);
export const reportExtras = (r: Report): Record<string, unknown> =>
  Object.fromEntries(Object.entries(r).filter(([k]) => !REPORT_KEYS.has(k)));

/** What report.html and its SVGs draw of a run's Report: its verdict and fault log beside the history. */
export function visualsOf(r: Report, run: { history: History; alerts?: AlertLine[]; plot?: PlotOptions }): VisualInput {
  return {
    title: r.scenario,
    passed: r.passed,
    subtitle: reportSubtitle(r),
    expectations: r.expectations,
    verdicts: r.verdicts,
    faults: r.faults,
    recovery: r.recovery,
    floor: r.floor,
    saturated: r.saturated,
    alerts: run.alerts ?? [],
    history: run.history,
    plot: run.plot,
    extra: reportExtras(r),
  };
}

/** Every report of a run into its folder: report.json, junit.xml, summary.md, report.html and its SVGs. */
export function writeReports(dir: string, r: Report, expected: Expectation[], run: { history: History; alerts?: AlertLine[] }): void {
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(join(dir, 'junit.xml'), junitXml(r, expected));
  writeFileSync(join(dir, 'summary.md'), summaryMarkdown(r));
  writeVisuals(dir, visualsOf(r, run));
}

/** What a run's Report says at the top of report.html. */
export function reportSubtitle(r: Report): string {
  return `Seed ${r.seed} (replay with --seed ${r.seed}), federation ${r.federation}, ${r.startedAt}, ${r.seconds.total.toFixed(0)} s in all. Operations: ${r.operations.total} (${r.operations.ok} ok, ${r.operations.fail} failed, ${r.operations.info} unknown outcome).`;
}
