import type { History } from '../workload/history.js';
import { Latencies } from './percentiles.js';
import type { Checker, Verdict } from './verdict.js';

/**
 * Chaos Toolkit's steady-state hypothesis as a checker: the error rate (and p99, when given) of the
 * reads and writes begun in a window at the end of the warm-up (`before`, up to the run mark) and
 * at the end of the run (`after`, up to the end mark, never reaching back before the run mark).
 */
export interface SteadyStateOptions {
  window: number;
  maxErrorRate: number;
  p99?: number;
}

export type SteadyWindow = 'before' | 'after';

export const steadyStateName = (which: SteadyWindow) => `steady-state ${which}`;

/** The window [from, to) of a history, or undefined when it has no run and end marks. */
export function steadyWindow(h: History, which: SteadyWindow, window: number): [number, number] | undefined {
  if (which === 'before') return h.runStart === undefined ? undefined : [Math.max(0, h.runStart - window), h.runStart];
  if (h.runStart === undefined || h.runEnd === undefined) return undefined;
  return [Math.max(h.runStart, h.runEnd - window), h.runEnd];
}

export const steadyState =
  (which: SteadyWindow, opts: SteadyStateOptions): Checker =>
  ({ history }) => {
    const span = steadyWindow(history, which, opts.window);
    if (!span)
      return {
        checker: steadyStateName(which),
        status: 'unknown',
        summary: 'the history has no run and end marks to place the windows',
        evidence: {},
      };
    return steadyVerdict(history, steadyStateName(which), span[0], span[1], opts);
  };

export function steadyVerdict(h: History, checker: string, from: number, to: number, opts: SteadyStateOptions): Verdict {
  const { maxErrorRate, p99 } = opts;
  let operations = 0;
  let errors = 0;
  const latencies = new Latencies();
  for (const o of h.ops) {
    if (o.invoke < from || o.invoke >= to || o.kind === 'create') continue;
    operations++;
    if (o.outcome !== 'ok') errors++;
    else latencies.record(o.complete! - o.invoke);
  }
  const rate = operations ? errors / operations : 0;
  const observedP99 = latencies.count ? latencies.at(99) : undefined;
  const evidence = { from, to, operations, errors, errorRate: rate, p99: observedP99 };
  const window = `${(from / 1000).toFixed(1)}-${(to / 1000).toFixed(1)} s`;
  if (!operations) return { checker, status: 'unknown', summary: `no operation in ${window}`, evidence };
  const problems = [
    rate > maxErrorRate && `error rate ${(rate * 100).toFixed(1)}% > ${(maxErrorRate * 100).toFixed(1)}%`,
    p99 !== undefined && observedP99 !== undefined && !latencies.within(99, p99) && `p99 ${observedP99.toFixed(1)} ms > ${p99} ms`,
  ].filter(Boolean);
  if (problems.length)
    return { checker, status: 'fail', summary: `${problems.join('; ')} (${operations} operations, ${window})`, evidence };
  if (p99 !== undefined && observedP99 === undefined)
    return {
      checker,
      status: 'unknown',
      summary: `no successful operation to measure p99 on (${operations} operations, ${window})`,
      evidence,
    };
  return {
    checker,
    status: 'pass',
    summary: `${operations} operations, ${errors} failed${observedP99 !== undefined ? `, p99 ${observedP99.toFixed(1)} ms` : ''} (${window})`,
    evidence,
  };
}
