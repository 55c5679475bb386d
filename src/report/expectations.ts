import { alertExpectationName, checkAlert } from '../checkers/alerts.js';
import type { Verdict } from '../checkers/verdict.js';
import { type FaultRecord, stepFaults } from '../faults/log.js';
import type { AlertLine } from '../monitoring/server.js';
import type { Expect, UserWorkload } from '../scenarios/schema.js';
import { commandVerdict } from '../workload/command.js';
import type { History } from '../workload/history.js';

/**
 * The expectations of a scenario as verdicts: the checkers it asks for, the steady-state
 * hypothesis (error rate, and p99 if given, in a window before the first fault and at the end of
 * the run), and the alerts. An expectation that could not be checked (unknown) does not hold. Pure:
 * a run and `fedsim check` of its folder derive the same verdict.
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
export function expectationNames(e: Expect, workloads: UserWorkload[] = []): string[] {
  const names: string[] = (['durability', 'routing', 'residency', 'latency', 'availability'] as const).filter((n) => e[n]);
  if (e.steady) names.push('steady-state before', 'steady-state after');
  return [...names, ...(e.alerts ?? []).map(alertExpectationName), ...commandWorkloads(workloads).map((w) => `command ${w.name}`)];
}

const commandWorkloads = (workloads: UserWorkload[]) => workloads.filter((w) => w.kind === 'command');

/** The steady-state verdicts, over the windows that end at the run's start and end marks. */
function steadyVerdicts(h: History, steady: NonNullable<Expect['steady']>): Verdict[] {
  const { window, maxErrorRate, p99 } = steady;
  const { runStart, runEnd } = h;
  if (runStart === undefined || runEnd === undefined)
    return ['steady-state before', 'steady-state after'].map((checker) => ({
      checker,
      status: 'unknown' as const,
      summary: 'the history has no run and end marks to place the windows',
      evidence: {},
    }));
  return [
    steadyVerdict(h, 'steady-state before', Math.max(0, runStart - window), runStart, maxErrorRate, p99),
    steadyVerdict(h, 'steady-state after', runEnd - window, runEnd, maxErrorRate, p99),
  ];
}

export function expectations(
  e: Expect,
  h: History,
  verdicts: Verdict[],
  faults: FaultRecord[],
  /** What fedsim's webhook was told (alerts.jsonl); absent when the run had no monitoring. */
  alerts?: AlertLine[],
  /** The scenario's own workloads: each command's exit is an expectation. */
  workloads: UserWorkload[] = [],
): Expectation[] {
  const byName = new Map(verdicts.map((v) => [v.checker, v]));
  const steps = stepFaults(faults);
  const all = [
    ...expectationNames(e)
      .filter((n) => byName.has(n))
      .map((n) => byName.get(n)!),
    ...(e.steady ? steadyVerdicts(h, e.steady) : []),
    ...(e.alerts ?? []).map((a) =>
      alerts
        ? checkAlert(a, alerts, steps.get(a.fault))
        : { checker: alertExpectationName(a), status: 'unknown' as const, summary: 'no monitoring in this run', evidence: {} },
    ),
    ...commandWorkloads(workloads).map((w) =>
      commandVerdict(
        w,
        h.exits.find((x) => x.workload === w.name),
      ),
    ),
  ];
  return all.map((verdict) => ({ name: verdict.checker, holds: verdict.status === 'pass', verdict }));
}
