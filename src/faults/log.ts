import { appendFileSync } from 'node:fs';
import type { Instant } from '../clock.js';
import { readJsonLines } from '../jsonl.js';
import type { FaultKind } from './spec.js';

/**
 * The fault log: for each fault, its kind, target, parameters, what it touched, and when it was
 * asked for, took effect, and was undone (monotonic ms on the run's clock, and wall time). Written
 * as JSON lines, a line each time a fault changes (taking effect, being undone); the last line of
 * a fault's id is its whole story, and the checkers read that.
 */
export interface FaultRecord {
  id: string;
  kind: FaultKind;
  target: string;
  params: Record<string, number | boolean>;
  /** Requested duration in ms; absent: until healed. */
  forMs?: number;
  /** Region pairs (from -> to) whose traffic it touched. */
  directions: [string, string][];
  /** Nodes it acted on. */
  nodes: string[];
  /** When it was asked for: from here on the checkers count it as (possibly) in effect. */
  asked: Instant;
  /** When the engine call applying it returned (a kill: the container is dead). */
  effect?: Instant;
  undone?: Instant;
  /**
   * After the undo: when every database node it acted on answered CQL again, probed directly at
   * its own address (no gateway, no driver session): the database's recovery, apart from when a
   * client succeeds again. Absent: no node, or none answered within the probe's limit.
   */
  answering?: Instant;
  /** Set when injecting or undoing failed. */
  error?: string;
  /** The timeline step (0-based) that injected it, in a scenario run: what alert expectations name. */
  step?: number;
}

export class FaultLog {
  /** The latest record of every fault written, in the order they were first written. */
  private readonly latest = new Map<string, FaultRecord>();

  constructor(
    private readonly file?: string,
    /** Told of every record written (a copy), e.g. to show faults live. */
    private readonly onWrite?: (record: FaultRecord) => void,
  ) {}

  write(record: FaultRecord): void {
    if (this.file) appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    this.latest.set(record.id, { ...record });
    this.onWrite?.({ ...record });
  }

  /** One record per fault, its last line: what the checkers read. */
  records(): FaultRecord[] {
    return [...this.latest.values()];
  }
}

/** Timeline step -> the fault it injected, from a run's fault records. */
export function stepFaults(records: FaultRecord[]): Map<number, FaultRecord> {
  return new Map(records.filter((r) => r.step !== undefined).map((r) => [r.step!, r]));
}

/** Reads a fault log back: one record per fault, its last line. */
export function loadFaultLog(file: string): FaultRecord[] {
  const byId = new Map<string, FaultRecord>();
  for (const r of readJsonLines<FaultRecord>(file, 'fault log')) byId.set(r.id, r);
  return [...byId.values()];
}
