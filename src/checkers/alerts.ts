import { type FaultRecord, stepFaults } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import type { AlertExpectation } from '../scenarios/expect.js';
import type { Checker, Verdict } from './verdict.js';

/**
 * Alert expectations as checkers (the expectation's shape is in scenarios/expect.ts): measured from
 * the fault log to the moment fedsim's webhook was told, so the delay includes the scrape, the
 * rule's `for`, the evaluation and Alertmanager's grouping: the delay a team's pager would see.
 */
export { type AlertExpectation, AlertExpectationSchema } from '../scenarios/expect.js';

export function alertExpectationName(e: AlertExpectation): string {
  return `alert ${e.alert} after timeline[${e.fault}]`;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** An alert expectation as a checker: unknown without monitoring (no alert lines) or without its fault. */
export const alert =
  (e: AlertExpectation): Checker =>
  ({ faults, alerts }) =>
    alerts
      ? checkAlert(e, alerts, stepFaults(faults).get(e.fault))
      : { checker: alertExpectationName(e), status: 'unknown', summary: 'no monitoring in this run', evidence: {} };

export function checkAlert(e: AlertExpectation, alerts: AlertLine[], fault: FaultRecord | undefined): Verdict {
  const checker = alertExpectationName(e);
  if (!fault?.effect) return { checker, status: 'unknown', summary: `timeline[${e.fault}]'s fault never took effect`, evidence: {} };
  const effect = fault.effect.t;
  const fired = alerts.find((a) => a.alert === e.alert && a.status === 'firing' && a.t >= effect);
  const evidence: Record<string, unknown> = { fault: fault.id, effect };
  if (!fired)
    return { checker, status: 'fail', summary: `${e.alert} never fired after ${fault.kind} ${fault.target} took effect`, evidence };
  const firedAfter = fired.t - effect;
  evidence.firedAfter = firedAfter;
  evidence.labels = fired.labels;
  const problems: string[] = [];
  if (firedAfter > e.firesWithin) problems.push(`fired ${s(firedAfter)} after the fault took effect > ${s(e.firesWithin)}`);
  let resolved = '';
  if (e.resolvesWithin !== undefined) {
    const undone = fault.undone?.t;
    const end =
      undone === undefined
        ? undefined
        : alerts.find((a) => a.fingerprint === fired.fingerprint && a.status === 'resolved' && a.t >= undone);
    if (undone === undefined) problems.push('the fault was never undone');
    else if (!end) problems.push(`${e.alert} never resolved after the fault was undone`);
    else {
      const resolvedAfter = end.t - undone;
      evidence.resolvedAfter = resolvedAfter;
      resolved = `, resolved ${s(resolvedAfter)} after it was undone`;
      if (resolvedAfter > e.resolvesWithin)
        problems.push(`resolved ${s(resolvedAfter)} after the fault was undone > ${s(e.resolvesWithin)}`);
    }
  }
  const what = `${fault.kind} ${fault.target}: fired ${s(firedAfter)} after it took effect${resolved}`;
  if (problems.length) return { checker, status: 'fail', summary: `${problems.join('; ')} (${what})`, evidence };
  return { checker, status: 'pass', summary: what, evidence };
}
