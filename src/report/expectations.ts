import { alertExpectationName, checkAlert } from '../checkers/alerts.js';
import type { Verdict } from '../checkers/verdict.js';
import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/server.js';
import type { Scenario } from '../scenarios/schema.js';
import type { History } from '../workload/history.js';

/**
 * The expectations of a scenario as verdicts: the checkers it asks for, and the steady-state
 * hypothesis (error rate, and p99 if given, in a window before the first fault and at the end of
 * the run). An expectation that could not be checked (unknown) does not hold.
 */
export interface Expectation {
  name: string;
  holds: boolean;
  verdict: Verdict;
}

export function steadyVerdict(h: History, name: string, from: number, to: number, maxErrorRate: number, p99?: number): Verdict {
  const ops = h.ops.filter((o) => o.invoke >= from && o.invoke < to && o.kind !== 'create');
  const errors = ops.filter((o) => o.outcome !== 'ok').length;
  const rate = ops.length ? errors / ops.length : 0;
  const latencies = ops
    .filter((o) => o.outcome === 'ok')
    .map((o) => o.complete! - o.invoke)
    .sort((a, b) => a - b);
  const observedP99 = latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]! : undefined;
  const evidence = { from, to, operations: ops.length, errors, errorRate: rate, p99: observedP99 };
  if (!ops.length)
    return {
      checker: name,
      status: 'unknown',
      summary: `no operation between ${(from / 1000).toFixed(1)} s and ${(to / 1000).toFixed(1)} s`,
      evidence,
    };
  const problems = [
    rate > maxErrorRate && `error rate ${(rate * 100).toFixed(1)}% > ${(maxErrorRate * 100).toFixed(1)}%`,
    p99 !== undefined && observedP99 !== undefined && observedP99 > p99 && `p99 ${observedP99.toFixed(1)} ms > ${p99} ms`,
  ].filter(Boolean);
  const window = `${(from / 1000).toFixed(1)}-${(to / 1000).toFixed(1)} s`;
  if (problems.length)
    return { checker: name, status: 'fail', summary: `${problems.join('; ')} (${ops.length} operations, ${window})`, evidence };
  return {
    checker: name,
    status: 'pass',
    summary: `${ops.length} operations, ${errors} failed${observedP99 !== undefined ? `, p99 ${observedP99.toFixed(1)} ms` : ''} (${window})`,
    evidence,
  };
}

/** The names of the expectations a scenario asks for, in report order. */
export function expectationNames(scenario: Scenario): string[] {
  const e = scenario.expect;
  const names: string[] = (['durability', 'routing', 'residency', 'latency', 'availability'] as const).filter((n) => e[n]);
  if (e.steady) names.push('steady-state before', 'steady-state after');
  return [...names, ...(e.alerts ?? []).map(alertExpectationName)];
}

export function expectations(
  scenario: Scenario,
  h: History,
  verdicts: Verdict[],
  times: { runStart: number; runEnd: number },
  /** What fedsim's webhook was told, and the fault each timeline step injected (monitored runs). */
  alerts?: { lines: AlertLine[]; stepFaults: Map<number, FaultRecord> },
): Expectation[] {
  const e = scenario.expect;
  const byName = new Map(verdicts.map((v) => [v.checker, v]));
  const wanted = expectationNames(scenario).filter((n) => byName.has(n));
  const out: Expectation[] = wanted.map((name) => ({ name, holds: byName.get(name)!.status === 'pass', verdict: byName.get(name)! }));
  if (e.steady) {
    const { window, maxErrorRate, p99 } = e.steady;
    const before = steadyVerdict(h, 'steady-state before', Math.max(0, times.runStart - window), times.runStart, maxErrorRate, p99);
    const after = steadyVerdict(h, 'steady-state after', times.runEnd - window, times.runEnd, maxErrorRate, p99);
    out.push(
      { name: before.checker, holds: before.status === 'pass', verdict: before },
      { name: after.checker, holds: after.status === 'pass', verdict: after },
    );
  }
  for (const a of e.alerts ?? []) {
    const v = alerts
      ? checkAlert(a, alerts.lines, alerts.stepFaults.get(a.fault))
      : { checker: alertExpectationName(a), status: 'unknown' as const, summary: 'no monitoring in this run', evidence: {} };
    out.push({ name: v.checker, holds: v.status === 'pass', verdict: v });
  }
  return out;
}
