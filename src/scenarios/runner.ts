import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type AlertExpectation, checkAlert } from '../checkers/alerts.js';
import { checkRun } from '../checkers/all.js';
import { floorLine, saturation } from '../checkers/floor.js';
import { steadyState } from '../checkers/steady.js';
import { Clock } from '../clock.js';
import type { Say } from '../common/say.js';
import { sleep } from '../common/sleep.js';
import { FedsimError, reason } from '../errors.js';
import { FaultLog, type FaultRecord, stepFaults } from '../faults/log.js';
import { collectRemoteWrite, remoteWritePaths } from '../monitoring/collect.js';
import { SCRAPE_INTERVAL_S } from '../monitoring/config.js';
import { MetricsExporter } from '../monitoring/exporter.js';
import type { RunMetrics } from '../monitoring/metrics.js';
import { MonitoringServer } from '../monitoring/server.js';
import { checkOptions, expectationNames, expectations } from '../report/expectations.js';
import { buildReport, type Report, writeReports } from '../report/report.js';
import { up } from '../runtime/bringup.js';
import { type Engine, engineAnswers, watchEngine } from '../runtime/engine.js';
import { Faults } from '../runtime/faults.js';
import { attach, type Federation } from '../runtime/federation.js';
import type { ImageSource } from '../runtime/images.js';
import { monitoringUrls } from '../runtime/monitoring.js';
import { federationNames } from '../runtime/removal.js';
import { watchNodes } from '../runtime/watch.js';
import { REGISTRY_KEYSPACE } from '../topology/plan.js';
import { TopologySchema } from '../topology/schema.js';
import { type History, HistoryWriter } from '../workload/history.js';
import { replicaTargets } from '../workload/http.js';
import { UserWorkloads } from '../workload/users.js';
import { ELEMENTS_TABLE, historyMeta, prepareTables, WorkloadRun, workloadKeyspace } from '../workload/workload.js';
import type { Emit, LiveExpectation, Phase, RunControl } from './events.js';
import type { LoadedScenario } from './file.js';
import { FloorSampler } from './floor.js';
import type { Scenario } from './schema.js';
import { type PlannedStep, planTimeline } from './timeline.js';
import { TrafficSampler } from './traffic.js';

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
  /** The run's event stream (phases, lines, faults, node states, traffic, expectations). */
  emit?: Emit;
  /** Lets a view heal now; stopping is the signal. */
  control?: RunControl;
  signal?: AbortSignal;
}

/** How often node states and live traffic are sampled. */
const SAMPLE_MS = 1000;

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

/**
 * Waits until every expected alert has fired and, where asked, resolved, or until its deadline
 * (the fault's effect plus firesWithin, its undo plus resolvesWithin) has passed.
 */
async function waitForAlerts(
  monitor: MonitoringServer,
  wanted: AlertExpectation[],
  steps: Map<number, FaultRecord>,
  clock: Clock,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Math.max(
    ...wanted.map((e) => {
      const f = steps.get(e.fault);
      return Math.max((f?.effect?.t ?? 0) + e.firesWithin, (f?.undone?.t ?? 0) + (e.resolvesWithin ?? 0));
    }),
  );
  while (clock.now() < deadline && !signal?.aborted) {
    const lines = monitor.alerts();
    if (wanted.every((e) => checkAlert(e, lines, steps.get(e.fault)).status === 'pass')) return;
    await sleep(500, signal);
  }
}

/** Plays the steps at their times; each fault's record names the timeline step that injected it. */
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
    if (signal?.aborted) break;
    if (step.heal) {
      say('timeline: heal');
      await faults.heal({ signal });
    } else if (step.fault) {
      await faults.inject(step.fault, step.index);
    }
  }
}

/** The live expectations at the start of the run: the steady state before is known, the rest pending. */
function emitSteadyBefore(emit: Emit, scenario: Scenario, h: History): void {
  const list: LiveExpectation[] = expectationNames(scenario.expect, scenario.workloads).map((name) => ({ name, state: 'pending' }));
  if (scenario.expect.steady) {
    const v = steadyState('before', scenario.expect.steady)({ history: h, faults: [] });
    const before = list.find((e) => e.name === v.checker)!;
    before.state = v.status === 'pass' ? 'holding' : 'failed';
    before.summary = v.summary;
  }
  emit({ type: 'expectations', list });
}

export async function runScenario(engine: Engine, loaded: LoadedScenario, opts: RunOptions = {}): Promise<RunResult> {
  const { scenario } = loaded;
  const emit: Emit = opts.emit ?? (() => undefined);
  const say: Say = (line) => emit({ type: 'line', line });
  const phase = (p: Phase, lasts?: number) => emit({ type: 'phase', phase: p, at: Date.now(), lasts });
  // Stopped by the user (opts.signal) or by the engine going away (then the run cannot go on).
  const lost = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, lost.signal]) : lost.signal;
  const seed = opts.seed ?? scenario.seed;
  const workload = { ...scenario.workload, seed };
  const startedAt = new Date();
  const dir = opts.out ?? join('runs', `${stamp(startedAt)}-${scenario.name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scenario.json'), `${JSON.stringify({ ...scenario, seed, workload, topology: loaded.topology }, null, 2)}\n`);
  emit({ type: 'start', scenario: scenario.name, seed, at: Date.now(), dir });
  say(`run folder: ${dir} (seed ${seed})`);

  const run: RunState = { completed: false };
  // The run's scope: released in the reverse order of what follows, on every path (success, failed
  // expectation, error, Ctrl-C), after the error below is said; the federation last.
  await using scope = new AsyncDisposableStack();
  scope.defer(() => releaseFederation(run, scenario.after, say));
  const t0 = performance.now();
  scope.defer(
    watchEngine(engine, (why) => {
      run.engineLost = why;
      say(`${why}: stopping the run`);
      lost.abort(new Error(why));
    }),
  );
  scope.defer(() => opts.control?.onHeal(undefined));
  try {
    phase('starting');
    const got = await reuseOrUp(engine, loaded, opts, say);
    const fed = got.fed;
    run.fed = fed;
    await fed.setReconnect({ baseMs: scenario.clients.reconnect.base, maxMs: scenario.clients.reconnect.max });
    emit({ type: 'federation', plan: fed.plan });
    scope.defer(watchNodes(fed, (states) => emit({ type: 'nodes', states }), SAMPLE_MS));
    const upSeconds = (performance.now() - t0) / 1000;
    const clock = new Clock();
    const log = new FaultLog(join(dir, 'faults.jsonl'), (record) => emit({ type: 'fault', record }));
    const live = new Faults(fed, { clock, log, say, probeAnswering: true });
    // Stops this process's timers and probes; the faults themselves are healed by the run or the next heal.
    scope.defer(() => live.release());
    opts.control?.onHeal(async () => {
      say('heal asked for');
      await live.heal({ signal }).catch((err) => say(`heal failed: ${reason(err)}`));
    });
    const meta = historyMeta(fed, workload, clock);
    // Service replicas serve http probes (and a command's operations that name them) as clusters serve queries.
    meta.clusters = { ...meta.clusters, ...replicaTargets(fed.plan) };
    // The workload's scope, released before the run's: the user's commands, the sampler, the
    // monitoring server, then the history (closed before the result is returned or the error said).
    await using workloadScope = new AsyncDisposableStack();
    const history = new HistoryWriter(meta, join(dir, 'history.jsonl'));
    workloadScope.defer(() => history.close().catch(() => undefined));
    const w = new WorkloadRun(fed, workload, { clock, history, signal });
    // fedsim's own clients idle (`enabled: false`): the run still lasts its warm-up and duration.
    const own = {
      setup: () => (workload.enabled ? w.setup() : Promise.resolve()),
      run: (ms: number) => (workload.enabled ? w.run(ms) : sleep(ms, signal)),
      observe: () => (workload.enabled ? w.observe() : Promise.resolve()),
    };
    const users = new UserWorkloads(fed, scenario.workloads, {
      history,
      clock,
      cwd: dirname(resolve(loaded.file)),
      dir,
      lasts: scenario.warmup + workload.duration,
      seed,
      signal,
    });
    workloadScope.defer(() => users.kill());
    const sampler = new TrafficSampler(history.history, clock.now());
    const sampling = setInterval(() => emit({ type: 'traffic', sample: sampler.sample(clock.now()) }), SAMPLE_MS);
    workloadScope.defer(() => clearInterval(sampling));
    let monitor: MonitoringServer | undefined;
    const floorSampler = new FloorSampler(fed, {
      // Link canaries measure the WAN as configured: not while a fault is (possibly) in effect or its nodes are not answering yet.
      quiet: () =>
        log.records().every((r) => r.error !== undefined || (r.undone !== undefined && (!r.nodes.length || r.answering !== undefined))),
      onSample: (floor) => emit({ type: 'floor', floor }),
    });
    workloadScope.defer(() => void floorSampler.stop());
    if (fed.plan.monitoring) {
      const m = await MonitoringServer.start(fed.plan, {
        exporter: new MetricsExporter(history.history, () => log.records()),
        clock,
        file: join(dir, 'alerts.jsonl'),
        onAlert: (line) => emit({ type: 'alert', line }),
      });
      monitor = m;
      workloadScope.defer(() => m.close());
      const urls = await monitoringUrls(engine, fed.plan);
      say(`monitoring: Prometheus ${urls?.prometheus}, Alertmanager ${urls?.alertmanager}; alerts go to ${join(dir, 'alerts.jsonl')}`);
    }
    phase('warm-up', scenario.warmup);
    const tWarm = clock.now();
    floorSampler.start();
    // fedsim's workspaces first: a user's workload may look them up.
    await own.setup();
    await users.start();
    await own.run(scenario.warmup);
    const runStart = clock.now();
    history.add({ type: 'run', t: runStart });
    const steps = planTimeline(scenario, seed);
    emit({ type: 'timeline', steps, runStart: Date.now() });
    phase('running', workload.duration);
    emitSteadyBefore(emit, scenario, history.history);
    await Promise.all([own.run(workload.duration), playTimeline(steps, live, clock, runStart, say, signal)]);
    const runEnd = clock.now();
    history.add({ type: 'end', t: runEnd });
    const floor = floorSampler.stop();
    writeFileSync(join(dir, 'floor.json'), `${JSON.stringify(floor, null, 2)}\n`);
    say(`noise floor: ${floorLine(floor)}${saturation(floor).length ? `; beyond its bounds: ${saturation(floor).join('; ')}` : ''}`);
    signal?.throwIfAborted();
    await users.stop();
    phase('healing');
    await live.heal({ signal });
    // The probes of "node answering again" end before the records are read.
    await live.settled();
    const healEnd = clock.now();
    phase('checking');
    await own.observe();
    const records = log.records();
    if (monitor && scenario.expect.alerts) {
      say('waiting for the expected alerts to fire and resolve');
      await waitForAlerts(monitor, scenario.expect.alerts, stepFaults(records), clock, signal);
    }
    let metrics: RunMetrics | undefined;
    if (scenario.expect.remoteWrite) {
      const prometheus = fed.plan.monitoring && (await monitoringUrls(engine, fed.plan))?.prometheus;
      const paths = remoteWritePaths(fed.plan, scenario.expect.remoteWrite);
      if (prometheus) {
        // Two more scrapes, so the agents' last figures (pending data after heal) are in.
        await sleep(2.5 * SCRAPE_INTERVAL_S * 1000, signal);
        metrics = await collectRemoteWrite(prometheus, paths, clock.startedAt.getTime(), signal);
      } else metrics = { paths, series: [], error: 'the topology has no monitoring (`monitoring: on`)' };
      writeFileSync(join(dir, 'metrics.json'), `${JSON.stringify(metrics)}\n`);
    }
    const verdicts = checkRun(
      { history: history.history, faults: records, alerts: monitor?.alerts(), metrics },
      checkOptions(scenario.expect, scenario.workloads),
    );
    const expected = expectations(scenario.expect, verdicts, scenario.workloads, floor);
    const report = buildReport(scenario, seed, fed.name, history.history, records, verdicts, expected, {
      floor,
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
    writeReports(dir, report, expected, { history: history.history, alerts: monitor?.alerts() });
    run.completed = true;
    emit({
      type: 'expectations',
      list: expected.map((e) => ({ name: e.name, state: e.holds ? 'holding' : 'failed', summary: e.verdict.summary })),
    });
    phase('done');
    emit({ type: 'verdict', passed: report.passed, dir });
    return { dir, report, passed: report.passed, resetSeconds: got.resetSeconds };
  } catch (err) {
    // A failed engine call may come before the watchdog's verdict: ask the engine once more.
    if (!run.engineLost && !(await engineAnswers(engine))) run.engineLost = `the Docker engine at ${engine.endpoint} stopped answering`;
    if (run.engineLost)
      throw new FedsimError(`The run of ${scenario.name} stopped: ${run.engineLost}. Once it is back, \`fedsim gc\` removes what is left.`);
    if (signal.aborted) throw new FedsimError(`Interrupted; ${scenario.name} was healed and removed.`, 130);
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`The run of ${scenario.name} could not finish: ${reason(err)}`);
  }
}

/** What the run's scope needs to release the federation as the run ended. */
interface RunState {
  fed?: Federation;
  completed: boolean;
  engineLost?: string;
}

/**
 * Leaves the federation up (a completed run with `after: keep`), closes this process's sessions
 * only (the engine is gone), or removes it. Never masks the run's own outcome: a removal that
 * fails is said, and gc is the way out.
 */
async function releaseFederation(run: RunState, after: Scenario['after'], say: Say): Promise<void> {
  const { fed } = run;
  if (!fed) return;
  try {
    if (run.completed && after !== 'down') {
      say(`leaving federation ${fed.name} up (after: ${after})`);
      await fed.close();
    } else if (run.engineLost) {
      await fed.close();
    } else {
      say(`removing federation ${fed.name}`);
      await fed.down();
    }
  } catch (err) {
    say(`could not remove federation ${fed.name} (${reason(err)}); \`fedsim gc\` removes it`);
  }
}
