import { seededRandom } from '../common/random.js';
import { touchedNodes } from '../faults/effects.js';
import { effectsOf } from '../faults/kinds.js';
import type { Param } from '../faults/params.js';
import { type FaultSpec, INSTANT_KINDS, paramsOf } from '../faults/spec.js';
import { planFederation } from '../topology/plan.js';
import type { LoadedScenario } from './file.js';
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

/** A planned step as `fedsim run --dry-run` shows it: the fault's nodes and directions resolved on the plan. */
export interface ExpandedStep {
  /** ms from the end of the warm-up. */
  at: number;
  from: 'timeline' | 'nemesis';
  index?: number;
  action: 'fault' | 'heal';
  kind?: string;
  target?: string;
  params?: Partial<Record<Param, number | boolean>>;
  /** How long the fault lasts, ms; absent: until a heal step or the end-of-run heal. */
  forMs?: number;
  /** The nodes and replicas it acts on (a `pick` drawn with its seed), and the region pairs it touches. */
  nodes?: string[];
  directions?: [string, string][];
}

export interface DryRun {
  scenario: string;
  seed: number;
  warmupMs: number;
  durationMs: number;
  steps: ExpandedStep[];
}

/**
 * `fedsim run --dry-run`: the timeline the run would play for this seed, nemesis draws included,
 * each fault's effects resolved on the plan (which nodes a `pick` chooses), with no engine call.
 */
export function dryRun(loaded: LoadedScenario, seed: number = loaded.scenario.seed): DryRun {
  const { scenario } = loaded;
  const plan = planFederation(loaded.topology, scenario.name, 0);
  const steps = planTimeline(scenario, seed).map((s, i): ExpandedStep => {
    const where = { at: s.at, from: s.from, ...(s.index !== undefined && { index: s.index }) };
    if (!s.fault) return { ...where, action: 'heal' };
    const effects = effectsOf(plan, s.fault, `dry${i}`);
    return {
      ...where,
      action: 'fault',
      kind: s.fault.kind,
      target: s.fault.target,
      params: paramsOf(s.fault),
      ...(s.fault.for !== undefined && { forMs: s.fault.for }),
      nodes: touchedNodes(effects),
      directions: effects.directions,
    };
  });
  return { scenario: scenario.name, seed, warmupMs: scenario.warmup, durationMs: scenario.workload.duration, steps };
}
