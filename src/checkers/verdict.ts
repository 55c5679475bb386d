import { reason } from '../errors.js';
import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import type { RunMetrics } from '../monitoring/metrics.js';
import type { History } from '../workload/history.js';

/**
 * What a checker says: pass, fail, or unknown (the evidence it needs is missing or failed, e.g. a
 * final read that failed), in one line a person reads first, with the evidence that backs it.
 */
export type Status = 'pass' | 'fail' | 'unknown';

export interface Verdict {
  checker: string;
  status: Status;
  summary: string;
  evidence: Record<string, unknown>;
}

/** What every checker reads: a run's history, its fault log, and the alerts (absent: no monitoring). */
export interface Run {
  history: History;
  faults: FaultRecord[];
  alerts?: AlertLine[];
  /** Metrics of the user's components kept from Prometheus (absent: none asked for). */
  metrics?: RunMetrics;
}

/**
 * The one checker shape (Jepsen's checker protocol): a pure function of the run, its options bound
 * when it is made (`latency(thresholds)`, `availability(options)`...).
 */
export type Checker = (run: Run) => Verdict;

/**
 * Runs a map of checkers (name -> checker) over one run, each verdict named by its key. A checker
 * that throws does not take the others down: its verdict is `unknown`, with the reason.
 */
export function compose(checkers: Record<string, Checker>): (run: Run) => Verdict[] {
  return (run) =>
    Object.entries(checkers).map(([checker, check]): Verdict => {
      try {
        return { ...check(run), checker };
      } catch (err) {
        return { checker, status: 'unknown', summary: `the checker could not finish: ${reason(err)}`, evidence: { error: reason(err) } };
      }
    });
}

/** An unknown verdict: what could not be seen, and why. */
export function unknown(checker: string, summary: string, evidence: Record<string, unknown> = {}): Verdict {
  return { checker, status: 'unknown', summary, evidence };
}

/** The first few of a list, for evidence that stays readable on a long history. */
export function firstOf<T>(xs: T[], n = 10): T[] {
  return xs.slice(0, n);
}
