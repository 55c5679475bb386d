import { join } from 'node:path';
import { formatDuration } from '../common/duration.js';
import { FedsimError } from '../errors.js';
import { remoteWriteLines } from '../report/remote-write.js';
import { VISUAL_FILES } from '../report/visuals.js';
import type { Engine } from '../runtime/engine.js';
import { describeFault } from '../runtime/faults.js';
import { imageSourceFrom } from '../runtime/images.js';
import { type Emit, RunControl } from '../scenarios/events.js';
import { type LoadedScenario, loadScenario } from '../scenarios/file.js';
import { runScenario } from '../scenarios/runner.js';
import { dryRun } from '../scenarios/timeline.js';
import { dashboardWanted, showDashboard, ViewStore } from '../ui/dashboard.js';
import { plainLines } from '../ui/plain.js';
import type { CommandContext } from './context.js';
import { DEMO_SCENARIO, libraryScenario } from './library.js';

export interface RunCommandOptions {
  out?: string;
  seed?: string;
  imageSource?: string;
  /** commander's --no-ui: false asks for plain lines even on a terminal. */
  ui?: boolean;
  /** The verdict as JSON on stdout (the run shows plain lines on stderr meanwhile). */
  json?: boolean;
  /** Print the expanded timeline for the seed and stop: no engine call. */
  dryRun?: boolean;
}

/** Bad options are said before anything else happens (no engine is reached for them). */
function checkRunOptions(opts: RunCommandOptions): void {
  if (opts.seed !== undefined && !(/^\d+$/.test(opts.seed) && Number(opts.seed) <= 2 ** 31))
    throw new FedsimError(`--seed expects a whole number from 0 to 2147483648, got "${opts.seed}".`);
  imageSourceFrom(opts.imageSource);
}

/**
 * Runs a loaded scenario, shown by the live dashboard on a terminal (plain, timestamped lines
 * without one, or with --no-ui), and prints the verdict; exit code 1 when an expectation fails.
 */
async function runAndReport(ctx: CommandContext, engine: Engine, loaded: LoadedScenario, opts: RunCommandOptions): Promise<void> {
  // The dashboard draws on the terminal's stdout, which --json keeps for the verdict.
  const live = !opts.json && dashboardWanted(opts.ui);
  const store = new ViewStore();
  const plain = plainLines(ctx.show);
  const emit: Emit = live ? store.emit : plain;
  const interrupt = ctx.interrupt((line) => emit({ type: 'line', line }));
  const control = new RunControl();
  const stopDashboard = live
    ? showDashboard(store, {
        // Like signals: the first stops, heals and cleans up; the second exits at once (gc remains).
        onQuit: () => (interrupt.signal.aborted ? process.exit(130) : interrupt.abort(new Error('quit from the dashboard'))),
        onHeal: () => control.heal() || store.emit({ type: 'line', line: 'nothing to heal yet' }),
      })
    : () => {};
  let result: Awaited<ReturnType<typeof runScenario>>;
  try {
    result = await runScenario(engine, loaded, {
      out: opts.out,
      seed: opts.seed === undefined ? undefined : Number(opts.seed),
      imageSource: imageSourceFrom(opts.imageSource),
      emit,
      control,
      signal: interrupt.signal,
    });
  } finally {
    stopDashboard();
  }
  const r = result.report;
  if (!result.passed) process.exitCode = 1;
  if (opts.json) {
    const html = join(result.dir, VISUAL_FILES.html);
    ctx.out(`${JSON.stringify({ runFolder: result.dir, reportHtml: html, ...r }, null, 2)}\n`);
    return;
  }
  const out = (line = '') => ctx.out(`${line}\n`);
  out(`${r.scenario}: ${r.passed ? 'PASS' : 'FAIL'} (seed ${r.seed}, ${r.seconds.total.toFixed(0)} s)`);
  for (const e of r.expectations)
    out(`  ${e.holds ? 'holds ' : e.status === 'unknown' ? 'unknown' : 'FAILS '}  ${e.name.padEnd(20)} ${e.summary}`);
  if (r.reach.some((x) => x.remote)) {
    out('  served in the own region vs another (p50 / p99):');
    const fig = (l?: { p50: number; p99: number }) => (l ? `${l.p50.toFixed(0)} / ${l.p99.toFixed(0)} ms` : '-');
    for (const x of r.reach) out(`    ${x.region.padEnd(16)} local ${fig(x.local).padEnd(16)} cross-region ${fig(x.remote)}`);
  }
  for (const line of remoteWriteLines(r.verdicts)) out(line);
  out(`run folder: ${result.dir} (summary.md first)`);
  out(`report: ${join(result.dir, VISUAL_FILES.html)} (plots, the fault log, the timeline; opens from disk)`);
}

/** `--dry-run`: the timeline as it would play for the seed, nemesis draws and picks resolved. */
function printDryRun(ctx: CommandContext, loaded: LoadedScenario, opts: RunCommandOptions): void {
  const d = dryRun(loaded, opts.seed === undefined ? undefined : Number(opts.seed));
  if (opts.json) {
    ctx.out(`${JSON.stringify(d, null, 2)}\n`);
    return;
  }
  const s = (ms: number) => formatDuration(ms);
  const lines = [
    `${d.scenario}, seed ${d.seed}: ${s(d.warmupMs)} of warm-up, then ${s(d.durationMs)} of workload; times from the end of the warm-up`,
  ];
  for (const step of d.steps) {
    const what =
      step.action === 'heal'
        ? 'heal everything'
        : describeFault({ kind: step.kind!, target: step.target!, params: step.params ?? {}, forMs: step.forMs, nodes: step.nodes });
    lines.push(`  +${s(step.at).padEnd(8)} ${what}  (${step.from === 'timeline' ? `timeline[${step.index}]` : 'nemesis'})`);
  }
  if (!d.steps.length) lines.push('  no fault: the workload runs undisturbed');
  lines.push(`  +${s(d.durationMs).padEnd(8)} end of the workload: heal, checks, reports`);
  ctx.out(`${lines.map((l) => `${l}\n`).join('')}`);
}

/**
 * `fedsim run SCENARIO [--out DIR] [--seed N]`: exit 0 when every expectation holds, 1 when one
 * fails, 2 when the run itself could not be done, 130 on Ctrl-C.
 */
export async function runCommand(ctx: CommandContext, file: string, opts: RunCommandOptions): Promise<void> {
  checkRunOptions(opts);
  const loaded = loadScenario(file);
  if (opts.dryRun) return printDryRun(ctx, loaded, opts);
  await runAndReport(ctx, await ctx.engine(), loaded, opts);
}

/**
 * `fedsim demo [--scenario NAME]`: the main job on a fresh machine. Sets up what is missing (the
 * engine, then images as the federation needs them), runs a story from the library (default: the
 * Voedger federation losing its Main Cluster) and removes everything, also on Ctrl-C.
 */
export async function demoCommand(ctx: CommandContext, opts: RunCommandOptions & { scenario?: string }): Promise<void> {
  checkRunOptions(opts);
  const loaded = loadScenario(libraryScenario(opts.scenario ?? DEMO_SCENARIO));
  const engine = await ctx.engine({ provision: true });
  await runAndReport(ctx, engine, { ...loaded, scenario: { ...loaded.scenario, after: 'down' } }, opts);
}
