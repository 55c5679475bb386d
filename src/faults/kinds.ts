import type { Plan } from '../topology/plan.js';
import type { Effects } from './effects.js';
import { linkEffects } from './link.js';
import { nodeEffects } from './node.js';
import { outageEffects } from './outage.js';
import { partitionEffects } from './partition.js';
import { type FaultSpec, isLinkKind, isNodeKind } from './spec.js';

/**
 * A fault's effects: a pure function of the plan and the spec (random picks come from the spec's
 * seed), so the same fault always means the same effects and its inverse is known before it starts.
 * Unknown regions, nodes or clusters throw a FedsimError before anything is touched.
 */
export function effectsOf(plan: Plan, spec: FaultSpec, id: string): Effects {
  if (isLinkKind(spec.kind)) return linkEffects(plan, spec, id);
  if (spec.kind === 'partition' || spec.kind === 'isolate') return partitionEffects(plan, spec, id);
  if (isNodeKind(spec.kind)) return nodeEffects(plan, spec);
  return outageEffects(plan, spec);
}
