import type { NoiseFloor } from '../checkers/floor.js';
import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import type { NodeState } from '../runtime/watch.js';
import type { Plan } from '../topology/plan.js';
import type { PlannedStep } from './timeline.js';
import type { TrafficSample } from './traffic.js';

/**
 * The run's event stream: everything a view of a run (the live dashboard, or plain lines) knows
 * comes from these events. Views own no logic of the run and cannot slow it: emitting is a
 * synchronous call that only records the event.
 */
/** `watching`: `fedsim watch` of a federation with no run. */
export type Phase = 'starting' | 'warm-up' | 'running' | 'healing' | 'checking' | 'done' | 'watching';

export interface LiveExpectation {
  name: string;
  state: 'pending' | 'holding' | 'failed';
  summary?: string;
}

export type RunEvent =
  | { type: 'start'; scenario: string; seed: number; at: number; dir: string }
  | { type: 'federation'; plan: Plan }
  | { type: 'phase'; phase: Phase; at: number /** for warm-up and running: how long it lasts, in ms */; lasts?: number }
  | { type: 'timeline'; steps: PlannedStep[]; runStart: number }
  | { type: 'line'; line: string }
  | { type: 'fault'; record: FaultRecord }
  | { type: 'nodes'; states: Record<string, NodeState> }
  | { type: 'traffic'; sample: TrafficSample }
  | { type: 'alert'; line: AlertLine }
  /** The noise floor so far, every second of the warm-up and the run. */
  | { type: 'floor'; floor: NoiseFloor }
  | { type: 'expectations'; list: LiveExpectation[] }
  | { type: 'verdict'; passed: boolean; dir: string };

export type Emit = (event: RunEvent) => void;

/** What a view can ask of a running scenario besides stopping it (which is the abort signal). */
export class RunControl {
  private healer?: () => Promise<void>;

  /** The runner says how to heal once its faults exist. */
  onHeal(healer: (() => Promise<void>) | undefined): void {
    this.healer = healer;
  }

  /** Heals every active fault now; false when nothing can be healed yet. */
  heal(): boolean {
    if (!this.healer) return false;
    void this.healer();
    return true;
  }
}
