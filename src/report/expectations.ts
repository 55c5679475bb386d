import { alertExpectationName } from '../checkers/alerts.js';
import type { CheckOptions } from '../checkers/all.js';
import { steadyStateName } from '../checkers/steady.js';
import type { Verdict } from '../checkers/verdict.js';
import type { Expect } from '../scenarios/schema.js';

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

/** The options a scenario's expectations give the checkers. */
export function checkOptions(e: Expect): CheckOptions {
  return { latency: e.latency, availability: e.availability, steady: e.steady, alerts: e.alerts };
}

/** The names of the expectations a scenario asks for, in report order. */
export function expectationNames(e: Expect): string[] {
  const names: string[] = [];
  if (e.durability) names.push('durability', 'registry');
  for (const n of ['routing', 'residency', 'latency', 'availability'] as const) if (e[n]) names.push(n);
  if (e.steady) names.push(steadyStateName('before'), steadyStateName('after'));
  return [...names, ...(e.alerts ?? []).map(alertExpectationName)];
}

/** The expectations asked for, each from its checker's verdict (unknown when no checker gave one). */
export function expectations(e: Expect, verdicts: Verdict[]): Expectation[] {
  const byName = new Map(verdicts.map((v) => [v.checker, v]));
  return expectationNames(e).map((name) => {
    const verdict = byName.get(name) ?? { checker: name, status: 'unknown', summary: 'no checker gave a verdict', evidence: {} };
    return { name, holds: verdict.status === 'pass', verdict };
  });
}
