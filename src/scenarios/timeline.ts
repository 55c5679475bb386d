import { seededRandom } from '../common/random.js';
import { type FaultSpec, INSTANT_KINDS } from '../faults/spec.js';
import type { Scenario } from './schema.js';

/**
 * The timeline as it will run: the scenario's steps with `after` resolved to times from the end of
 * the warm-up, plus the random faults of its nemesis drawn with the seed (Jepsen's nemesis
 * schedule). Pure: the same scenario and seed give the same steps.
 */
export interface PlannedStep {
  at: number;
  fault?: FaultSpec;
  heal?: true;
  from: 'timeline' | 'nemesis';
  /** A timeline step's place in the scenario's `timeline` list (what alert expectations name). */
  index?: number;
}

export function planTimeline(scenario: Scenario, seed: number): PlannedStep[] {
  const steps: PlannedStep[] = [];
  let previous = 0;
  scenario.timeline.forEach((s, index) => {
    const at = s.at ?? previous + (s.after ?? 0);
    previous = at;
    steps.push({ at, fault: s.fault, heal: s.heal, from: 'timeline', index });
  });
  const n = scenario.nemesis;
  if (n) {
    const random = seededRandom(n.seed ?? seed);
    for (let at = n.start; at < scenario.workload.duration; at += n.every) {
      const drawn = n.faults[Math.floor(random() * n.faults.length)]!;
      // A node fault without its own seed gets one from the draw, so its pick is replayed too.
      const pickSeed = drawn.pick !== undefined && drawn.seed === undefined ? { seed: Math.floor(random() * 2 ** 31) } : {};
      const lasting = INSTANT_KINDS.includes(drawn.kind) ? {} : { for: drawn.for ?? n.for };
      steps.push({ at, fault: { ...drawn, ...pickSeed, ...lasting }, from: 'nemesis' });
    }
  }
  return steps.filter((s) => s.at < scenario.workload.duration).sort((a, b) => a.at - b.at);
}
