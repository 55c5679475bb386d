import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { type CheckOptions, checkHistory } from '../checkers/all.js';
import type { Verdict } from '../checkers/verdict.js';
import { FedsimError } from '../errors.js';
import { loadFaultLog } from '../faults/log.js';
import { ExpectSchema } from '../scenarios/schema.js';
import { parseWith, readDocument } from '../topology/load.js';
import { loadHistory } from '../workload/history.js';

const MARK: Record<Verdict['status'], string> = { pass: 'PASS', fail: 'FAIL', unknown: '????' };

/** Of a scenario file, or the scenario.json of a run folder, only what the checkers take. */
const Expectations = z.looseObject({ expect: ExpectSchema.default(ExpectSchema.parse({})) });

/** The thresholds of the scenario the history was run with, so a re-check gives the run's verdicts. */
function thresholdsOf(file: string): CheckOptions {
  const { expect } = parseWith(Expectations, readDocument(file), file);
  return { latency: expect.latency, availability: expect.availability };
}

/**
 * `fedsim check HISTORY [--faults FILE] [--scenario FILE] [--json]`: runs every checker on a saved
 * history, with no containers. The fault log defaults to faults.jsonl beside the history, the
 * thresholds to those of scenario.json beside it (a run folder's). Exit 1 when one fails.
 */
export async function checkCommand(file: string, opts: { faults?: string; scenario?: string; json?: boolean }): Promise<void> {
  const history = await loadHistory(file);
  for (const given of [opts.faults, opts.scenario]) if (given && !existsSync(given)) throw new FedsimError(`${given}: no such file.`);
  const faultsFile = opts.faults ?? join(dirname(file), 'faults.jsonl');
  const faults = existsSync(faultsFile) ? loadFaultLog(faultsFile) : [];
  const scenarioFile = opts.scenario ?? join(dirname(file), 'scenario.json');
  const withScenario = existsSync(scenarioFile);
  const verdicts = checkHistory(history, faults, withScenario ? thresholdsOf(scenarioFile) : {});
  if (opts.json) process.stdout.write(`${JSON.stringify(verdicts, null, 2)}\n`);
  else {
    const thresholds = withScenario ? `the latency and availability thresholds of ${scenarioFile}` : 'no thresholds';
    process.stdout.write(`${file}: ${history.ops.length} operations, ${faults.length} fault(s), ${thresholds}\n`);
    for (const v of verdicts) process.stdout.write(`  ${MARK[v.status]}  ${v.checker.padEnd(12)} ${v.summary}\n`);
  }
  if (verdicts.some((v) => v.status === 'fail')) process.exitCode = 1;
}
