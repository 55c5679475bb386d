import { FedsimError } from '../errors.js';
import { knownRegion, type Plan } from '../topology/plan.js';
import { type Effects, toxicsFor } from './effects.js';
import { defineKind } from './kind.js';
import type { FaultInput } from './params.js';

/**
 * Partitions: every path between two sets of regions, client and replication alike, stalls (data
 * held, connections hang, as when packets vanish), both ways or only left -> right.
 * `isolate A` is `A|*`.
 */
function side(plan: Plan, text: string, target: string): string[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new FedsimError(`Partition "${target}" has an empty side; write A|B, A,B|C or A|*.`);
  for (const r of names) {
    if (r !== '*') knownRegion(plan, r, target);
  }
  return names;
}

/** The two sides of `A|B`, `A,B|C`, `A|*` (or a bare region, for isolate). */
export function parseSides(plan: Plan, spec: FaultInput): [string[], string[]] {
  const text = spec.kind === 'isolate' ? `${spec.target}|*` : spec.target;
  const parts = text.split('|');
  if (parts.length !== 2) throw new FedsimError(`Partition "${spec.target}" needs two sides split by |, as in A|B or A,B|*.`);
  let left = side(plan, parts[0]!, spec.target);
  let right = side(plan, parts[1]!, spec.target);
  if (left.includes('*') && right.includes('*')) throw new FedsimError(`Partition "${spec.target}" has * on both sides; name one side.`);
  if (left.includes('*')) left = plan.regions.filter((r) => !right.includes(r));
  if (right.includes('*')) right = plan.regions.filter((r) => !left.includes(r));
  const both = left.filter((r) => right.includes(r));
  if (both.length) throw new FedsimError(`Partition "${spec.target}" puts ${both.join(', ')} on both sides.`);
  if (!left.length || !right.length) throw new FedsimError(`Partition "${spec.target}" leaves one side empty; there is nothing to cut.`);
  return [left, right];
}

function partitionEffects(plan: Plan, spec: FaultInput, id: string): Effects {
  const [left, right] = parseSides(plan, spec);
  const directions: [string, string][] = [];
  for (const a of left) {
    for (const b of right) {
      directions.push([a, b]);
      if (!spec.oneWay) directions.push([b, a]);
    }
  }
  const toxics = directions.flatMap((d) => toxicsFor(plan, d, id, 'timeout', { timeout: 0 }));
  return { directions, toxics, disabled: [], nodes: [] };
}

const INVERSE = 'its toxics removed';

export const PARTITION_KINDS = [
  defineKind({
    name: 'partition',
    family: 'partition',
    target: 'A|B, A,B|C, A|*',
    params: { oneWay: { help: 'cut only traffic from the left side to the right side' } },
    does: 'every client and replication path between the sides stalls',
    inverse: INVERSE,
    effects: partitionEffects,
  }),
  defineKind({
    name: 'isolate',
    family: 'partition',
    target: 'a region',
    params: {},
    does: '`A|*`',
    inverse: INVERSE,
    effects: partitionEffects,
  }),
] as const;
