import { FedsimError } from '../errors.js';
import type { Plan } from '../topology/plan.js';
import type { Effects } from './effects.js';
import type { FaultSpec } from './spec.js';

/** Region outage: every node and service replica of the region killed at once; undone by starting them all again. */
export function outageEffects(plan: Plan, spec: FaultSpec): Effects {
  const region = spec.target.trim();
  if (!plan.regions.includes(region)) throw new FedsimError(`Unknown region "${region}"; the regions are ${plan.regions.join(', ')}.`);
  const nodes = [...plan.nodes, ...plan.replicas].filter((n) => n.region === region);
  if (!nodes.length)
    throw new FedsimError(`Region ${region} has no database nodes or service replicas; an outage there would change nothing.`);
  return { directions: [], toxics: [], disabled: [], nodes: nodes.map((n) => ({ node: n.name, container: n.container, action: 'kill' })) };
}
