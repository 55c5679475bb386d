import type { CommandWorkload } from '../workload/kinds.js';
import { type AlertExpectation, alert, alertExpectationName } from './alerts.js';
import { type AvailabilityOptions, availability } from './availability.js';
import { commandExit, commandExitName } from './command.js';
import { durability } from './durability.js';
import { type LatencyThreshold, latency } from './latency.js';
import { registry } from './registry.js';
import { type RemoteWriteOptions, remoteWrite } from './remote-write.js';
import { residency, routing } from './routing.js';
import { type SamplesOptions, samples } from './samples.js';
import { type SteadyStateOptions, steadyState, steadyStateName } from './steady.js';
import { type Checker, compose, type Run, type Verdict } from './verdict.js';

/** The options of a run's checkers: a scenario's expectations, or none (every checker on defaults). */
export interface CheckOptions {
  latency?: LatencyThreshold[];
  availability?: Partial<AvailabilityOptions>;
  steady?: SteadyStateOptions;
  alerts?: AlertExpectation[];
  /** The scenario's command workloads: each one's exit is judged. */
  commands?: CommandWorkload[];
  remoteWrite?: RemoteWriteOptions;
  samples?: SamplesOptions;
}

/** Every checker a run is judged by, name -> checker, in report order, their options bound. */
export function runCheckers(opts: CheckOptions = {}): Record<string, Checker> {
  const checkers: Record<string, Checker> = {
    durability: durability(),
    registry: registry(),
    routing: routing(),
    residency: residency(),
    latency: latency(opts.latency),
    availability: availability(opts.availability),
  };
  if (opts.steady) for (const which of ['before', 'after'] as const) checkers[steadyStateName(which)] = steadyState(which, opts.steady);
  for (const a of opts.alerts ?? []) checkers[alertExpectationName(a)] = alert(a);
  for (const c of opts.commands ?? []) checkers[commandExitName(c.name)] = commandExit(c);
  if (opts.remoteWrite) checkers['remote-write'] = remoteWrite(opts.remoteWrite);
  if (opts.samples) checkers.samples = samples(opts.samples);
  return checkers;
}

/** Every checker over one run; pure, so a saved run is re-checked anywhere (`fedsim check`). */
export function checkRun(run: Run, opts: CheckOptions = {}): Verdict[] {
  return compose(runCheckers(opts))(run);
}
