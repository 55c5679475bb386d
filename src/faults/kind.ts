import type { Plan } from '../topology/plan.js';
import type { Effects } from './effects.js';
import type { FaultInput, Param } from './params.js';

/**
 * One fault kind, whole: what a newcomer adds to add a kind (in its family's module, or a new
 * module with one line in kinds.ts's list). The fault schema, `fedsim fault`'s options and help,
 * and the README's table are derived from these records.
 */
export interface FaultKindDef<N extends string = string> {
  name: N;
  /**
   * Kinds of a family share a target grammar; the family is named by its kinds, not listed anywhere
   * (help and the README say `FAMILY kinds` where all of a family's kinds say the same).
   */
  family: string;
  /** The target grammar, as help and docs say it (`A->B, A<-B, A<->B`). */
  target: string;
  /** The parameters it takes, each with what it means to this kind; the others are refused. */
  params: Partial<Record<Param, { help: string; required?: true }>>;
  /** What happens, in a few words. */
  does: string;
  /** What undoes it (heal, `--for` running out, or a rollback of a half-applied fault). */
  inverse: string;
  /** Happens at once and has nothing to undo, so it takes no `for`. */
  instant?: true;
  /**
   * Its parameters can be changed while it is active (`fedsim fault update ID`): its effects are
   * values set in place (a toxic's attributes, a cgroup limit, a clock offset), so the same effects
   * with new values are set again. Kinds without it (a kill, a cut link) have nothing to change.
   */
  updatable?: true;
  /** A rule across its parameters; the message names the first parameter it is about. */
  check?: (spec: FaultInput) => { path: Param; message: string } | undefined;
  /**
   * Its effects: a pure function of the plan and the spec (random picks come from the spec's seed),
   * so the same fault always means the same effects and its inverse is known before it starts.
   * A target that names no region, node or cluster of the plan throws a FedsimError here.
   */
  effects(plan: Plan, spec: FaultInput, id: string): Effects;
}

/** Keeps the kind's name a literal type, so the list of kinds is a type too. */
export const defineKind = <const N extends string>(kind: FaultKindDef<N>): FaultKindDef<N> => kind;
