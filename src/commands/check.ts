import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Verdict } from '../checkers/verdict.js';
import { FedsimError, reason } from '../errors.js';
import { type History, loadHistory } from '../workload/history.js';
import type { CommandContext } from './context.js';
import type { JudgeFiles } from './judge.js';
import { judgeApart } from './judge-apart.js';

// The checkers, the scenario schema and the report are imported where they are used: `fedsim
// check` judges in a thread of its own, and this thread starts it before loading any of them.

const MARK: Record<Verdict['status'], string> = { pass: 'PASS', fail: 'FAIL', unknown: '????' };

/** A file given on the command line must be there; one looked for beside the history may be absent. */
function beside(given: string | undefined, dir: string, name: string): string | undefined {
  if (given && !existsSync(given)) throw new FedsimError(`${given}: no such file.`);
  const file = given ?? join(dir, name);
  return existsSync(file) ? file : undefined;
}

/** A saved run's files: those given or found beside its history, and the floor and metrics it kept. */
function savedRunFiles(history: string, dir: string, scenario?: string, faults?: string, alerts?: string): JudgeFiles {
  const kept = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  return { history, scenario, faults, alerts, floor: kept('floor.json'), metrics: kept('metrics.json') };
}

/**
 * How the run whose folder this is ended, from the report.json beside its history: a run that was
 * interrupted or stopped on an error recorded only part of its history, and did not pass however
 * its part is judged. Undefined for a completed run or a bare history (no report.json). A report
 * that cannot be read (cut short while its run was killed) leaves how the run ended unknown, which
 * is not a pass either.
 */
function unfinished(dir: string): { how: string; error?: string } | undefined {
  const file = join(dir, 'report.json');
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { ended?: string; error?: string };
    return r.ended && r.ended !== 'completed' ? { how: r.ended, ...(r.error && { error: r.error }) } : undefined;
  } catch (err) {
    return { how: 'unknown', error: `${file} cannot be read (${reason(err)}), so how the run ended is not known` };
  }
}

const STOPPED: Record<string, string> = { interrupted: 'was interrupted', error: 'stopped on an error' };
const notFinished = (e: { how: string }) => (e.how in STOPPED ? `the run did not finish (${e.how})` : 'how the run ended is not known');

/** A saved run's history (HISTORY or RUN_FOLDER/history.jsonl), loaded, its warnings said (stderr by default). */
export async function loadSavedRun(
  path: string,
  say: (line: string) => void = (line) => process.stderr.write(`fedsim: ${line}\n`),
): Promise<{ file: string; dir: string; history: History }> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'history.jsonl') : path;
  if (!existsSync(file)) throw new FedsimError(`${file}: no such file; give a history or a run folder.`);
  const history = await loadHistory(file);
  for (const w of history.warnings ?? []) say(`warning: ${w}`);
  return { file, dir: dirname(file), history };
}

/** A saved run loaded and judged as `fedsim check` does (and `fedsim report` when the run left no report.json). */
export async function judgeSavedRun(
  path: string,
  opts: { faults?: string; scenario?: string; alerts?: string },
  loaded?: { file: string; dir: string; history: History },
) {
  const { file, dir, history } = loaded ?? (await loadSavedRun(path));
  const faultsFile = beside(opts.faults, dir, 'faults.jsonl');
  const scenarioFile = beside(opts.scenario, dir, 'scenario.json');
  const alertsFile = beside(opts.alerts, dir, 'alerts.jsonl');
  const { judgeLoaded } = await import('./judge.js');
  const { faults, alerts, verdicts, expected } = await judgeLoaded(savedRunFiles(file, dir, scenarioFile, faultsFile, alertsFile), history);
  return { file, dir, history, faults, alerts, scenarioFile, verdicts, expected };
}

/**
 * `fedsim check HISTORY|RUN_FOLDER [--faults F] [--scenario F] [--alerts F] [--json]`: the checkers
 * on a saved history, with no containers. Beside the history it finds faults.jsonl, scenario.json
 * and alerts.jsonl (a run folder's). With a scenario it derives the run's verdict again: every
 * expectation with its thresholds, the steady state and the alerts, and exit 1 unless all hold
 * (unknown does not hold). Without one: every checker, and exit 1 when one fails or when none
 * could judge anything (every verdict unknown). A run folder whose report.json says the run was
 * interrupted or stopped on an error does not pass either: its history is only part of a run.
 */
export async function checkCommand(
  ctx: CommandContext,
  path: string,
  opts: { faults?: string; scenario?: string; alerts?: string; json?: boolean },
): Promise<void> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'history.jsonl') : path;
  if (!existsSync(file)) throw new FedsimError(`${file}: no such file; give a history or a run folder.`);
  const dir = dirname(file);
  const faultsFile = beside(opts.faults, dir, 'faults.jsonl');
  const scenarioFile = beside(opts.scenario, dir, 'scenario.json');
  const alertsFile = beside(opts.alerts, dir, 'alerts.jsonl');
  // A scenario named on the command line is checked whole, as `validate` and `run` would check it
  // (a file of expectations only, with no topology, is read for those).
  if (opts.scenario) {
    const [{ readDocument }, { isScenarioDocument, loadScenario }] = await Promise.all([
      import('../common/document.js'),
      import('../scenarios/file.js'),
    ]);
    if (isScenarioDocument(readDocument(opts.scenario))) loadScenario(opts.scenario);
  }
  // Judged in a thread of its own (judge-apart.ts): what judgeSavedRun does, in a smaller peak of memory.
  const judged = await judgeApart(savedRunFiles(file, dir, scenarioFile, faultsFile, alertsFile));
  for (const w of judged.warnings ?? []) ctx.say(`warning: ${w}`);
  const { verdicts, expected } = judged;
  const judgedAny = verdicts.some((v) => v.status !== 'unknown');
  const ended = unfinished(dir);
  const holds = expected ? expected.every((e) => e.holds) : judgedAny && !verdicts.some((v) => v.status === 'fail');
  const passed = holds && !ended;
  if (opts.json) {
    const { expectationRow } = await import('../report/report.js');
    ctx.out(
      `${JSON.stringify({ passed, ...(ended && { ended }), warnings: judged.warnings, expectations: expected?.map(expectationRow), verdicts }, null, 2)}\n`,
    );
  } else {
    const against = scenarioFile ? `the expectations of ${scenarioFile}` : 'no scenario, so no thresholds';
    const out: string[] = [`${file}: ${judged.operations} operations, ${judged.faults} fault(s), ${against}\n`];
    if (ended)
      out.push(
        ended.how in STOPPED
          ? `The run ${STOPPED[ended.how]} before it finished${ended.error ? ` (${ended.error})` : ''}: what follows judges the part it recorded, and a run that did not finish does not pass.\n`
          : `${ended.error}: what follows judges the history as it is, and a run not known to have finished does not pass.\n`,
      );
    const width = Math.max(...[...verdicts, ...(expected ?? []).map((e) => e.verdict)].map((v) => v.checker.length));
    const line = (v: Verdict, mark = MARK[v.status]) => `  ${mark}  ${v.checker.padEnd(width)} ${v.summary}\n`;
    if (expected) {
      for (const e of expected) out.push(line(e.verdict));
      const others = verdicts.filter((v) => !expected.some((e) => e.name === v.checker));
      for (const v of others) out.push(line(v, '(--)'));
      if (others.length) out.push('  (--): not asked for by the scenario\n');
      const unknown = expected.filter((e) => e.verdict.status === 'unknown').length;
      out.push(
        `${passed ? 'PASS' : 'FAIL'}: ${expected.filter((e) => e.holds).length} of ${expected.length} expectations hold${unknown ? ` (${unknown} could not be checked)` : ''}${ended ? `, but ${notFinished(ended)}` : ''}\n`,
      );
    } else {
      for (const v of verdicts) out.push(line(v));
      if (!judgedAny) out.push('FAIL: nothing could be judged: every checker lacked the evidence it needs\n');
      else if (ended) out.push(`FAIL: ${notFinished(ended)}\n`);
    }
    ctx.out(out.join(''));
  }
  if (!passed) process.exitCode = 1;
}
