import { alertExpectationName } from '../checkers/alerts.js';
import type { CheckOptions } from '../checkers/all.js';
import { commandExitName } from '../checkers/command.js';
import { floorLine, hostNoiseMs, largestExcess, type NoiseFloor, saturation } from '../checkers/floor.js';
import { steadyStateName } from '../checkers/steady.js';
import type { Verdict } from '../checkers/verdict.js';
import type { Expect, UserWorkload } from '../scenarios/schema.js';

/**
 * The expectations of a scenario as verdicts: the checkers it asks for (durability asks for the
 * registry's too: it is the durable record of the creates), the steady-state hypothesis and the
 * alerts. An expectation holds only when its checker passed: unknown (it could not see) does not
 * hold, so a run is never a pass on evidence that is missing. Pure: a run and `fedsim check` of its
 * folder derive the same verdict.
 */
export interface Expectation {
  name: string;
  holds: boolean;
  verdict: Verdict;
}

/** The command workloads of a scenario: each one's exit is an expectation. */
const commandExpectations = (workloads: UserWorkload[]) => workloads.filter((w) => w.kind === 'command');

/** The options a scenario's expectations (and its command workloads) give the checkers. */
export function checkOptions(e: Expect, workloads: UserWorkload[] = []): CheckOptions {
  return {
    latency: e.latency,
    availability: e.availability,
    steady: e.steady,
    alerts: e.alerts,
    commands: commandExpectations(workloads),
    remoteWrite: e.remoteWrite,
    samples: e.samples,
  };
}

/** The names of the expectations a scenario asks for, in report order. */
export function expectationNames(e: Expect, workloads: UserWorkload[] = []): string[] {
  const names: string[] = [];
  if (e.durability) names.push('durability', 'registry');
  for (const n of ['routing', 'residency', 'latency', 'availability'] as const) if (e[n]) names.push(n);
  if (e.steady) names.push(steadyStateName('before'), steadyStateName('after'));
  if (e.remoteWrite) names.push('remote-write');
  if (e.samples) names.push('samples');
  return [...names, ...(e.alerts ?? []).map(alertExpectationName), ...commandExpectations(workloads).map((w) => commandExitName(w.name))];
}

/** The expectations asked for, each from its checker's verdict (unknown when no checker gave one), judged beside the run's noise floor. */
export function expectations(e: Expect, verdicts: Verdict[], workloads: UserWorkload[] = [], floor?: NoiseFloor): Expectation[] {
  const byName = new Map(verdicts.map((v) => [v.checker, v]));
  return expectationNames(e, workloads).map((name) => {
    const given = byName.get(name) ?? { checker: name, status: 'unknown', summary: 'no checker gave a verdict', evidence: {} };
    const verdict = floor ? besideFloor(name, given, floor) : given;
    return { name, holds: verdict.status === 'pass', verdict };
  });
}

/** Expectations on figures the host itself moves: latency, availability, the steady state. */
const HOST_SENSITIVE = /^(latency|availability|steady-state (before|after))$/;

/**
 * A host-sensitive expectation beside the noise floor. One that holds says the floor beside it.
 * One that fails while the floor is beyond its bounds is `unknown: the host was saturated`, except
 * a latency breach larger than all the host alone adds to a request (the worst local canary p99):
 * that one the host cannot explain, so it stays a failure. The floor never hides a real failure.
 */
function besideFloor(name: string, v: Verdict, floor: NoiseFloor): Verdict {
  if (!HOST_SENSITIVE.test(name)) return v;
  const line = floorLine(floor);
  if (v.status !== 'fail') return { ...v, summary: `${v.summary} (noise floor: ${line})` };
  const why = saturation(floor);
  if (!why.length) return { ...v, summary: `${v.summary} (on a quiet host: ${line})` };
  const excess = name === 'latency' ? largestExcess(v.evidence) : undefined;
  if (excess !== undefined && excess > hostNoiseMs(floor))
    return {
      ...v,
      summary: `${v.summary} (the host was saturated, ${why.join(', ')}, but the breach of ${excess.toFixed(0)} ms is more than the ${hostNoiseMs(floor).toFixed(0)} ms the host alone adds)`,
    };
  return {
    checker: v.checker,
    status: 'unknown',
    summary: `the host was saturated (${why.join('; ')}): ${v.summary}`,
    evidence: { ...v.evidence, saturated: why, floor },
  };
}
