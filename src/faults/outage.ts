import { FedsimError } from '../errors.js';
import { knownRegion } from '../topology/plan.js';
import { defineKind } from './kind.js';

/** Region outage: every node and service replica of the region killed at once; undone by starting them all again. */
export const OUTAGE_KINDS = [
  defineKind({
    name: 'outage',
    family: 'outage',
    target: 'a region',
    params: {},
    does: 'every node and service replica of the region killed at once',
    inverse: 'every node and replica of the region started again',
    effects(plan, spec) {
      const region = knownRegion(plan, spec.target.trim());
      const nodes = [...plan.nodes, ...plan.replicas].filter((n) => n.region === region);
      if (!nodes.length)
        throw new FedsimError(`Region ${region} has no database nodes or service replicas; an outage there would change nothing.`);
      return {
        directions: [],
        toxics: [],
        disabled: [],
        nodes: nodes.map((n) => ({ node: n.name, container: n.container, action: 'kill' })),
      };
    },
  }),
] as const;
