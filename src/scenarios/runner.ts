import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkHistory } from '../checkers/all.js';
import { Clock } from '../clock.js';
import { FedsimError, reason } from '../errors.js';
import { FaultLog } from '../faults/log.js';
import { expectations } from '../report/expectations.js';
import { buildReport, type Report, writeReports } from '../report/report.js';
import type { Engine } from '../runtime/engine.js';
import { Faults } from '../runtime/faults.js';
import { attach, type Federation, federationNames, up } from '../runtime/federation.js';
import type { ImageSource } from '../runtime/images.js';
import type { Say } from '../runtime/staging.js';
import { REGISTRY_KEYSPACE } from '../topology/plan.js';
import { TopologySchema } from '../topology/schema.js';
import { HistoryWriter } from '../workload/history.js';
import { ELEMENTS_TABLE, historyMeta, prepareTables, WorkloadRun, workloadKeyspace } from '../workload/workload.js';
import type { LoadedScenario } from './file.js';
import { type PlannedStep, planTimeline } from './timeline.js';

/**
 * The runner: up (or reuse a matching federation, reset), warm-up, the workload and the timeline
 * together, heal, final reads, checkers, expectations, reports, down. Healing and clean-up happen
 * on every path: success, failed expectation, error and Ctrl-C.
 */
export interface RunOptions {
  /** The run folder; default runs/<time>-<scenario>. */
  out?: string;
  seed?: number;
  imageSource?: ImageSource;
  say?: Say;
  signal?: AbortSignal;
}

export interface RunResult {
  dir: string;
  report: Report;
  passed: boolean;
  /** Seconds the reset of a reused federation took (absent when it was brought up). */
  resetSeconds?: number;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, Math.max(0, ms));
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * A federation already up under this name with the same topology is reused: every fault healed,
 * the workload's tables and the registry's workspaces emptied. One with another topology is an error.
 */
async function reuseOrUp(
  engine: Engine,
  loaded: LoadedScenario,
  opts: RunOptions,
  say: Say,
): Promise<{ fed: Federation; resetSeconds?: number }> {
  const { scenario, topology } = loaded;
  const name = scenario.name;
  if (!(await federationNames(engine)).includes(name))
    return { fed: await up(engine, topology, { name, imageSource: opts.imageSource, say, signal: opts.signal }) };
  const fed = await attach(engine, name);
  if (JSON.stringify(fed.topology) !== JSON.stringify(TopologySchema.parse(topology))) {
    throw new FedsimError(`A federation named ${name} is up with another topology; run \`fedsim down ${name}\` first.`);
  }
  const t0 = performance.now();
  await new Faults(fed, { say }).heal({ signal: opts.signal });
  const ks = workloadKeyspace(fed, scenario.workload);
  await prepareTables(fed, scenario.workload);
  for (const c of fed.plan.clusters) {
    const client = fed.client(c.regions[0]!, c.name);
    if (c.keyspaces.some((k) => k.name === ks)) await client.execute(`TRUNCATE TABLE ${ks}.${ELEMENTS_TABLE}`);
    if (c.role === 'main') await client.execute(`TRUNCATE ${REGISTRY_KEYSPACE}.workspaces`);
  }
  const resetSeconds = (performance.now() - t0) / 1000;
  say(`reused federation ${name}: faults healed and data emptied in ${resetSeconds.toFixed(1)} s`);
  return { fed, resetSeconds };
}

async function playTimeline(
  steps: PlannedStep[],
  faults: Faults,
  clock: Clock,
  start: number,
  say: Say,
  signal?: AbortSignal,
): Promise<void> {
  for (const step of steps) {
    await sleep(start + step.at - clock.now(), signal);
    if (signal?.aborted) return;
    if (step.heal) {
      say('timeline: heal');
      await faults.heal({ signal });
    } else if (step.fault) await faults.inject(step.fault);
  }
}

export async function runScenario(engine: Engine, loaded: LoadedScenario, opts: RunOptions = {}): Promise<RunResult> {
  const { scenario } = loaded;
  const say = opts.say ?? (() => undefined);
  const signal = opts.signal;
  const seed = opts.seed ?? scenario.seed;
  const workload = { ...scenario.workload, seed };
  const startedAt = new Date();
  const dir = opts.out ?? join('runs', `${stamp(startedAt)}-${scenario.name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scenario.json'), `${JSON.stringify({ ...scenario, seed, workload, topology: loaded.topology }, null, 2)}\n`);
  say(`run folder: ${dir} (seed ${seed})`);

  let fed: Federation | undefined;
  let faults: Faults | undefined;
  let completed = false;
  const t0 = performance.now();
  try {
    say('phase: starting');
    const got = await reuseOrUp(engine, loaded, opts, say);
    fed = got.fed;
    const upSeconds = (performance.now() - t0) / 1000;
    const clock = new Clock();
    const log = new FaultLog(join(dir, 'faults.jsonl'));
    faults = new Faults(fed, { clock, log, say });
    const history = new HistoryWriter(historyMeta(fed, workload, clock), join(dir, 'history.jsonl'));
    const w = new WorkloadRun(fed, workload, { clock, history, signal });
    const progress = setInterval(() => {
      const ops = history.history.ops;
      say(
        `progress: ${ops.length} operations, ${ops.filter((o) => o.outcome !== 'ok' && o.complete !== undefined).length} failed or unknown`,
      );
    }, 5000);
    try {
      say(`phase: warm-up (${scenario.warmup / 1000} s)`);
      const tWarm = clock.now();
      await w.setup();
      await w.run(scenario.warmup);
      const runStart = clock.now();
      say(`phase: running (${workload.duration / 1000} s)`);
      await Promise.all([w.run(workload.duration), playTimeline(planTimeline(scenario, seed), faults, clock, runStart, say, signal)]);
      const runEnd = clock.now();
      signal?.throwIfAborted();
      say('phase: healing');
      await faults.heal({ signal });
      const healEnd = clock.now();
      say('phase: checking');
      await w.observe();
      const records = log.records();
      const verdicts = checkHistory(history.history, records, {
        latency: scenario.expect.latency,
        availability: scenario.expect.availability,
      });
      const expected = expectations(scenario, history.history, verdicts, { runStart, runEnd });
      const report = buildReport(scenario, seed, fed.name, history.history, records, verdicts, expected, {
        startedAt,
        seconds: {
          total: (performance.now() - t0) / 1000,
          up: upSeconds,
          warmup: (runStart - tWarm) / 1000,
          run: (runEnd - runStart) / 1000,
          heal: (healEnd - runEnd) / 1000,
          check: (clock.now() - healEnd) / 1000,
        },
      });
      writeReports(dir, report, expected);
      completed = true;
      say(`phase: done: ${report.passed ? 'PASS' : 'FAIL'}`);
      return { dir, report, passed: report.passed, resetSeconds: got.resetSeconds };
    } finally {
      clearInterval(progress);
      // Closed on every path, before the run's result is returned or its error thrown.
      await history.close().catch(() => undefined);
    }
  } catch (err) {
    if (signal?.aborted) throw new FedsimError(`Interrupted; ${scenario.name} was healed and removed.`, 130);
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`The run of ${scenario.name} could not finish: ${reason(err)}`);
  } finally {
    faults?.release();
    if (fed) {
      const keep = completed && scenario.after !== 'down';
      if (keep) {
        say(`leaving federation ${fed.name} up (after: ${scenario.after})`);
        await fed.close();
      } else {
        say(`removing federation ${fed.name}`);
        await fed.down();
      }
    }
  }
}
