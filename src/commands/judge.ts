import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { checkRun } from '../checkers/all.js';
import type { NoiseFloor } from '../checkers/floor.js';
import type { Verdict } from '../checkers/verdict.js';
import { FedsimError } from '../errors.js';
import { loadFaultLog } from '../faults/log.js';
import { loadAlerts } from '../monitoring/alerts.js';
import { loadMetrics } from '../monitoring/metrics.js';
import { checkOptions, type Expectation, expectations } from '../report/expectations.js';
import { type History, loadHistory } from '../workload/history.js';

/** What `fedsim check` judges: a history and, when present, its fault log, scenario and alert log. */
export interface JudgeFiles {
  history: string;
  faults?: string;
  scenario?: string;
  alerts?: string;
  /** The run's noise floor (floor.json), which the expectations are judged beside. */
  floor?: string;
  /** What the run kept of Prometheus (metrics.json): the evidence of the remote-write checker. */
  metrics?: string;
}

/** The verdict of a saved run, as plain data (it crosses from the judging thread). */
export interface Judged {
  operations: number;
  faults: number;
  warnings?: string[];
  verdicts: Verdict[];
  expected?: Expectation[];
}

/** What the judging thread posts back: only the verdicts, never the history. */
export type Answer = { judged: Judged } | { refused: { message: string; exitCode: number } } | { crashed: string };

/**
 * Of a scenario file, or the scenario.json of a run folder, only its expectations and own
 * workloads. The scenario schema and the YAML parser are loaded only then: most checks have no
 * scenario, and the judging thread loads its modules before it can start on the history.
 */
async function readExpectations(file: string) {
  const [{ ExpectSchema, UserWorkloadSchema }, { parseWith, readDocument }] = await Promise.all([
    import('../scenarios/schema.js'),
    import('../common/document.js'),
  ]);
  const Expectations = z.looseObject({
    expect: ExpectSchema.default(ExpectSchema.parse({})),
    workloads: z.array(UserWorkloadSchema).default([]),
  });
  return parseWith(Expectations, readDocument(file), file);
}

/**
 * A saved run's verdict derived again from its history and the files beside it: the checkers, and
 * the scenario's expectations. The one way a saved run is judged (`check`, and `report` with no
 * report.json), so the two can never disagree.
 */
export async function judgeLoaded(files: JudgeFiles, history: History) {
  const faults = files.faults ? loadFaultLog(files.faults) : [];
  const alerts = files.alerts ? loadAlerts(files.alerts) : undefined;
  const scenario = files.scenario ? await readExpectations(files.scenario) : undefined;
  const expect = scenario?.expect;
  const workloads = scenario?.workloads ?? [];
  const metrics = files.metrics ? loadMetrics(files.metrics) : undefined;
  const verdicts = checkRun({ history, faults, alerts, metrics }, expect ? checkOptions(expect, workloads) : {});
  const floor = files.floor ? (JSON.parse(readFileSync(files.floor, 'utf8')) as NoiseFloor) : undefined;
  const expected: Expectation[] | undefined = expect && expectations(expect, verdicts, workloads, floor);
  return { faults, alerts, verdicts, expected };
}

/** Loads a saved run and derives its verdict again (judgeLoaded), as plain data (judge-apart.ts runs it in a thread). */
export async function judge(files: JudgeFiles): Promise<Judged> {
  const history = await loadHistory(files.history);
  const { faults, verdicts, expected } = await judgeLoaded(files, history);
  return { operations: history.ops.length, faults: faults.length, warnings: history.warnings, verdicts, expected };
}

if (!isMainThread && (workerData as { judge?: JudgeFiles } | undefined)?.judge) {
  const files = (workerData as { judge: JudgeFiles }).judge;
  judge(files).then(
    (judged) => parentPort?.postMessage({ judged } satisfies Answer),
    (err: unknown) =>
      parentPort?.postMessage(
        (err instanceof FedsimError
          ? { refused: { message: err.message, exitCode: err.exitCode } }
          : { crashed: err instanceof Error ? (err.stack ?? err.message) : String(err) }) satisfies Answer,
      ),
  );
}
