import { FedsimError } from '../errors.js';
import type { Plan } from '../topology/plan.js';
import { CLOCK_KINDS } from './clock.js';
import type { Effects } from './effects.js';
import type { FaultKindDef } from './kind.js';
import { LINK_KINDS } from './link.js';
import { LOSS_KINDS } from './loss.js';
import { MEMBERSHIP_KINDS } from './membership.js';
import { NODE_KINDS } from './node.js';
import { OUTAGE_KINDS } from './outage.js';
import type { FaultInput } from './params.js';
import { PARTITION_KINDS } from './partition.js';
import { STRESS_KINDS } from './stress.js';

/**
 * The registry of fault kinds: every kind, from its family's module, in the order help and the
 * README list them. Adding a kind is a record in a family's list, or a new family module and its
 * one line here (as a checker in checkers/all.ts, a component in components/index.ts), and its
 * test; the schema (spec.ts), the CLI's options and the README's table (docs.ts) follow, and
 * test/unit/fault-kinds.test.ts fails on a family module not listed here.
 */
export const KINDS = [
  ...LINK_KINDS,
  ...LOSS_KINDS,
  ...PARTITION_KINDS,
  ...NODE_KINDS,
  ...STRESS_KINDS,
  ...CLOCK_KINDS,
  ...OUTAGE_KINDS,
  ...MEMBERSHIP_KINDS,
] as const;

export type FaultKind = (typeof KINDS)[number]['name'];
export const FAULT_KINDS = KINDS.map((k) => k.name) as [FaultKind, ...FaultKind[]];

const BY_NAME = new Map<string, FaultKindDef>(KINDS.map((k) => [k.name, k]));

/** A kind's record; an unknown kind is an error, never another kind's effects. */
export function kindOf(name: string): FaultKindDef {
  const kind = BY_NAME.get(name);
  if (!kind) throw new FedsimError(`Unknown fault kind "${name}"; the kinds are ${FAULT_KINDS.join(', ')}.`);
  return kind;
}

/** Faults that happen at once and have nothing to undo. */
export const INSTANT_KINDS: readonly FaultKind[] = KINDS.filter((k) => k.instant).map((k) => k.name);

/**
 * A fault's effects, by its kind's record: a pure function of the plan and the spec. Unknown
 * regions, nodes or clusters throw a FedsimError before anything is touched.
 */
export function effectsOf(plan: Plan, spec: FaultInput, id: string): Effects {
  return kindOf(spec.kind).effects(plan, spec, id);
}
