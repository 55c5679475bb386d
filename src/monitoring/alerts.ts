import { readJsonLines } from '../jsonl.js';

/**
 * The alert log (alerts.jsonl beside the fault log): every alert's firing and resolving, once,
 * with the run's clock. Written by monitoring/server.ts during a run, read by the checkers and
 * `fedsim check`.
 */
export interface AlertLine {
  type: 'alert';
  /** Run clock, ms, when fedsim was told. */
  t: number;
  wall: string;
  status: 'firing' | 'resolved';
  alert: string;
  fingerprint: string;
  labels: Record<string, string>;
  /** Prometheus' own times for the alert. */
  startsAt: string;
  endsAt?: string;
  summary?: string;
}

/** Reads a run's alerts.jsonl back. */
export function loadAlerts(file: string): AlertLine[] {
  return readJsonLines<AlertLine>(file, 'alert log');
}
