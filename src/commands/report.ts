import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoveries } from '../checkers/availability.js';
import { parseDuration } from '../common/duration.js';
import { FedsimError } from '../errors.js';
import { loadAlerts } from '../monitoring/alerts.js';
import { expectationRow, type Report, summaryMarkdown, visualsOf } from '../report/report.js';
import { VISUAL_FILES, writeVisuals } from '../report/visuals.js';
import { judgeSavedRun, loadSavedRun } from './check.js';
import type { CommandContext } from './context.js';

/** "20s-30s" or "20-30" (seconds): the timeline's window on the run's clock, in s. */
function timelineWindow(text: string): [number, number] {
  const m = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(text);
  const ms = (v: string) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : parseDuration(v));
  const [a, b] = m ? [ms(m[1]!), ms(m[2]!)] : [undefined, undefined];
  if (a === undefined || b === undefined || b <= a)
    throw new FedsimError(`--timeline ${JSON.stringify(text)}: expected FROM-TO on the run's clock, FROM before TO, e.g. 20s-30s`);
  return [a / 1000, b / 1000];
}

/**
 * `fedsim report RUN_FOLDER|HISTORY [--timeline FROM-TO] [--json]`: (re)writes report.html, latency.svg and
 * rate.svg of a saved run, no containers. A run folder with report.json is drawn with the verdict
 * the run recorded (and its summary.md rewritten, now linking the plots); one without (a run cut
 * short, a bare history) is judged first as `fedsim check` does.
 */
export async function reportCommand(ctx: CommandContext, path: string, opts: { timeline?: string; json?: boolean }): Promise<void> {
  const timeline = opts.timeline === undefined ? undefined : timelineWindow(opts.timeline);
  const loaded = await loadSavedRun(path, ctx.say);
  const recorded = join(loaded.dir, 'report.json');
  const plot = { timeline };
  let file: string;
  if (existsSync(recorded)) {
    // The run's verdict is in report.json: drawn as recorded, not judged again (at 10^6 operations
    // judging cost more than drawing).
    const alertsFile = join(loaded.dir, 'alerts.jsonl');
    const run = { ...loaded, alerts: existsSync(alertsFile) ? loadAlerts(alertsFile) : undefined };
    let r: Report;
    try {
      r = JSON.parse(readFileSync(recorded, 'utf8')) as Report;
    } catch (err) {
      throw new FedsimError(`${recorded}: not JSON (${(err as Error).message}); remove it to judge the history again.`);
    }
    writeFileSync(join(run.dir, 'summary.md'), summaryMarkdown(r));
    file = writeVisuals(run.dir, visualsOf(r, { ...run, plot }));
  } else {
    const run = await judgeSavedRun(path, {}, loaded);
    const judged = run.verdicts.some((v) => v.status !== 'unknown');
    const passed = run.expected ? run.expected.every((e) => e.holds) : judged && !run.verdicts.some((v) => v.status === 'fail');
    file = writeVisuals(run.dir, {
      title: run.history.meta.federation,
      passed,
      subtitle: `${run.file}: no report.json, so judged by fedsim report as \`fedsim check\` does (${run.scenarioFile ? `the expectations of ${run.scenarioFile}` : 'no scenario, so no thresholds'}). Operations: ${run.history.ops.length}.`,
      expectations: run.expected?.map(expectationRow) ?? [],
      verdicts: run.verdicts,
      faults: run.faults,
      recovery: recoveries(run.history, run.faults),
      alerts: run.alerts ?? [],
      history: run.history,
      plot,
    });
  }
  const written = { html: file, latency: join(loaded.dir, VISUAL_FILES.latency), rate: join(loaded.dir, VISUAL_FILES.rate) };
  if (opts.json) {
    ctx.out(`${JSON.stringify(written, null, 2)}\n`);
    return;
  }
  ctx.out(`${written.html}\n${written.latency}\n${written.rate}\n`);
}
