import type { NoiseFloor } from '../checkers/floor.js';
import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import type { NodeState } from '../runtime/watch.js';
import type { LiveExpectation, Phase, RunEvent } from '../scenarios/events.js';
import type { PlannedStep } from '../scenarios/timeline.js';
import type { TrafficSample } from '../scenarios/traffic.js';
import type { Plan } from '../topology/plan.js';

/**
 * What a view shows of a run, built only from the run's events by `reduce` (pure): the dashboard
 * renders snapshots of it.
 */
export const SPARK_POINTS = 16;

export interface ViewState {
  scenario?: string;
  seed?: number;
  dir?: string;
  startedAt?: number;
  phase: Phase;
  phaseAt?: number;
  /** When the running phase ends (wall ms), once known. */
  runEnd?: number;
  plan?: Plan;
  nodes: Record<string, NodeState>;
  timeline: { steps: PlannedStep[]; runStart: number } | undefined;
  faults: FaultRecord[];
  /** The latest line of every alert fedsim was told of (monitored runs). */
  alerts: AlertLine[];
  traffic?: TrafficSample;
  /** The noise floor so far (what the host alone does), while the run samples it. */
  floor?: NoiseFloor;
  /** Per region, the last few operations-per-second figures, oldest first. */
  spark: Record<string, number[]>;
  expectations: LiveExpectation[];
  verdict?: { passed: boolean; dir: string };
  lines: string[];
}

export const initialState = (): ViewState => ({
  phase: 'starting',
  nodes: {},
  timeline: undefined,
  faults: [],
  alerts: [],
  spark: {},
  expectations: [],
  lines: [],
});

export function reduce(s: ViewState, e: RunEvent): ViewState {
  switch (e.type) {
    case 'start':
      return { ...s, scenario: e.scenario, seed: e.seed, dir: e.dir, startedAt: e.at };
    case 'federation':
      return { ...s, plan: e.plan };
    case 'phase':
      return { ...s, phase: e.phase, phaseAt: e.at, runEnd: e.phase === 'running' && e.lasts !== undefined ? e.at + e.lasts : s.runEnd };
    case 'timeline':
      return { ...s, timeline: { steps: e.steps, runStart: e.runStart } };
    case 'line':
      return { ...s, lines: [...s.lines.slice(-9), e.line] };
    case 'fault': {
      const i = s.faults.findIndex((f) => f.id === e.record.id);
      const faults = i < 0 ? [...s.faults, e.record] : s.faults.map((f, j) => (j === i ? e.record : f));
      return { ...s, faults };
    }
    case 'nodes':
      return { ...s, nodes: e.states };
    case 'alert':
      return { ...s, alerts: [...s.alerts.filter((a) => a.fingerprint !== e.line.fingerprint), e.line] };
    case 'traffic': {
      const spark: Record<string, number[]> = {};
      for (const [region, t] of Object.entries(e.sample.regions))
        spark[region] = [...(s.spark[region] ?? []), t.opsPerSec].slice(-SPARK_POINTS);
      return { ...s, traffic: e.sample, spark };
    }
    case 'floor':
      return { ...s, floor: e.floor };
    case 'expectations':
      return { ...s, expectations: e.list };
    case 'verdict':
      return { ...s, verdict: { passed: e.passed, dir: e.dir } };
  }
}

/** Faults in effect now (injected, not undone). */
export function activeFaults(s: ViewState): FaultRecord[] {
  return s.faults.filter((f) => f.effect && !f.undone && !f.error);
}

/** Fault kinds acting on the link from -> to now. */
export function faultsOnLink(s: ViewState, from: string, to: string): FaultRecord[] {
  return activeFaults(s).filter((f) => f.directions.some(([a, b]) => a === from && b === to));
}

/** The next planned step that has not happened yet, and when (wall ms). */
export function nextStep(s: ViewState, now: number): { step: PlannedStep; at: number } | undefined {
  if (!s.timeline) return undefined;
  const { steps, runStart } = s.timeline;
  const step = steps.find((x) => runStart + x.at > now);
  return step && { step, at: runStart + step.at };
}
