import { z } from 'zod';
import { duration } from '../common/duration.js';
import { paramHelp } from './docs.js';
import { FAULT_KINDS, kindOf } from './kinds.js';
import { PARAM_NAMES, PARAMS, type Param } from './params.js';

/**
 * A fault as users write it, in a scenario's timeline or on the command line: a kind, a target and
 * the kind's parameters. The same object is parsed from YAML and from `fedsim fault` options.
 * Derived from the registry of kinds (kinds.ts): the kinds, their parameters, which they need.

 */
export { FAULT_KINDS, type FaultKind, INSTANT_KINDS } from './kinds.js';

/** Every parameter as an optional field, described by what it means to each kind that takes it. */
function paramFields(): { [P in Param]: z.ZodOptional<(typeof PARAMS)[P]['schema']> } {
  return Object.fromEntries(PARAM_NAMES.map((p) => [p, PARAMS[p].schema.optional().describe(paramHelp(p))])) as never;
}

export const FaultSpecSchema = z
  .strictObject({
    kind: z.enum(FAULT_KINDS),
    target: z.string().min(1, 'expected a target'),
    ...paramFields(),
    for: duration().optional().describe('how long the fault lasts; without it, until healed'),
  })
  .superRefine((spec, ctx) => {
    const kind = kindOf(spec.kind);
    const allowed = Object.keys(kind.params) as Param[];
    for (const p of PARAM_NAMES) {
      if (spec[p] !== undefined && !allowed.includes(p))
        ctx.addIssue({
          code: 'custom',
          path: [p],
          message: `${spec.kind} takes no "${p}"${allowed.length ? `; it takes ${allowed.join(', ')}` : ''}`,
        });
    }
    for (const p of allowed)
      if (kind.params[p]?.required && spec[p] === undefined)
        ctx.addIssue({ code: 'custom', path: [p], message: `${spec.kind} needs "${p}"` });
    if (spec.for !== undefined && kind.instant)
      ctx.addIssue({ code: 'custom', path: ['for'], message: `${spec.kind} happens at once and takes no "for"` });
    const broken = kind.check?.(spec);
    if (broken) ctx.addIssue({ code: 'custom', path: [broken.path], message: broken.message });
  });

export type FaultSpec = z.output<typeof FaultSpecSchema>;
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;

/** The parameters of a spec (everything but kind, target and for), for logs and listings. */
export function paramsOf(spec: FaultSpec): Partial<Record<Param, number | boolean>> {
  const out: Partial<Record<Param, number | boolean>> = {};
  for (const p of PARAM_NAMES) if (spec[p] !== undefined) out[p] = spec[p];
  return out;
}
