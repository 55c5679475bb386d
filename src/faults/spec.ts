import { z } from 'zod';
import { duration } from '../common/duration.js';

/**
 * A fault as users write it, in a scenario's timeline or on the command line: a kind, a target and
 * the kind's parameters. The same object is parsed from YAML and from `fedsim fault` options.
 *
 * Targets:
 * - link kinds: `A->B` (traffic from A to B), `A<-B`, or `A<->B` (both directions);
 * - partition: `A|B`, `A,B|C`, `A|*` (`*` is every other region); `oneWay` cuts left -> right only;
 * - isolate: a region (the same as `A|*`);
 * - node kinds: a node's name, `region:R`, `cluster:C` or `all`; `pick: N` chooses N of them at
 *   random, the same N for the same `seed`;
 * - outage: a region (every node in it goes down at once).
 */
export const LINK_KINDS = ['latency', 'bandwidth', 'stall', 'reset', 'slow-close', 'slicer', 'limit-data', 'link-down'] as const;
export const NODE_KINDS = ['kill', 'stop', 'pause', 'restart', 'wipe'] as const;
export const FAULT_KINDS = [...LINK_KINDS, 'partition', 'isolate', ...NODE_KINDS, 'outage'] as const;

export type LinkKind = (typeof LINK_KINDS)[number];
export type NodeKind = (typeof NODE_KINDS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

const PARAMS = ['latency', 'jitter', 'rate', 'after', 'delay', 'size', 'bytes', 'oneWay', 'pick', 'seed'] as const;
type Param = (typeof PARAMS)[number];

/** Which parameters each kind takes, and which of them it needs. */
const KIND_PARAMS: Record<FaultKind, { allowed: Param[]; required?: Param[] }> = {
  latency: { allowed: ['latency', 'jitter'], required: ['latency'] },
  bandwidth: { allowed: ['rate'], required: ['rate'] },
  stall: { allowed: [] },
  reset: { allowed: ['after'] },
  'slow-close': { allowed: ['delay'], required: ['delay'] },
  slicer: { allowed: ['size', 'delay'] },
  'limit-data': { allowed: ['bytes'], required: ['bytes'] },
  'link-down': { allowed: [] },
  partition: { allowed: ['oneWay'] },
  isolate: { allowed: [] },
  kill: { allowed: ['pick', 'seed'] },
  stop: { allowed: ['pick', 'seed'] },
  pause: { allowed: ['pick', 'seed'] },
  restart: { allowed: ['pick', 'seed'] },
  wipe: { allowed: ['pick', 'seed'] },
  outage: { allowed: [] },
};

/** Faults that happen at once and have nothing to undo. */
export const INSTANT_KINDS: readonly FaultKind[] = ['restart'];

export const FaultSpecSchema = z
  .strictObject({
    kind: z.enum(FAULT_KINDS),
    target: z.string().min(1, 'expected a target'),
    latency: duration(60_000).optional().describe('latency: added one-way delay'),
    jitter: duration(60_000).optional().describe('latency: +/- variation'),
    rate: z.number().int().min(1).max(10_000_000).optional().describe('bandwidth: KB/s'),
    after: duration(3_600_000).optional().describe('reset: connections are reset after this long (default at once)'),
    delay: duration(60_000).optional().describe('slow-close: delay before a close; slicer: delay between slices'),
    size: z.number().int().min(1).max(1_048_576).optional().describe('slicer: average slice size in bytes (default 64)'),
    bytes: z.number().int().min(0).max(1_073_741_824).optional().describe('limit-data: bytes before the connection is closed'),
    oneWay: z.boolean().optional().describe('partition: cut only traffic from the left side to the right side'),
    pick: z.number().int().min(1).max(64).optional().describe('node faults: pick this many of the targeted nodes at random'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .optional()
      .describe('node faults: the random choice of `pick`'),
    for: duration().optional().describe('how long the fault lasts; without it, until healed'),
  })
  .superRefine((spec, ctx) => {
    const rules = KIND_PARAMS[spec.kind];
    for (const p of PARAMS) {
      if (spec[p] !== undefined && !rules.allowed.includes(p))
        ctx.addIssue({
          code: 'custom',
          path: [p],
          message: `${spec.kind} takes no "${p}"${rules.allowed.length ? `; it takes ${rules.allowed.join(', ')}` : ''}`,
        });
    }
    for (const p of rules.required ?? [])
      if (spec[p] === undefined) ctx.addIssue({ code: 'custom', path: [p], message: `${spec.kind} needs "${p}"` });
    if (spec.for !== undefined && INSTANT_KINDS.includes(spec.kind))
      ctx.addIssue({ code: 'custom', path: ['for'], message: `${spec.kind} happens at once and takes no "for"` });
    if (spec.kind === 'latency' && spec.jitter !== undefined && spec.latency !== undefined && spec.jitter > spec.latency)
      ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'jitter larger than the latency would make negative delays' });
  });

export type FaultSpec = z.output<typeof FaultSpecSchema>;
export type FaultSpecInput = z.input<typeof FaultSpecSchema>;

/** The parameters of a spec (everything but kind, target and for), for logs and listings. */
export function paramsOf(spec: FaultSpec): Partial<Record<Param, number | boolean>> {
  const out: Partial<Record<Param, number | boolean>> = {};
  for (const p of PARAMS) if (spec[p] !== undefined) out[p] = spec[p];
  return out;
}

export function isLinkKind(kind: FaultKind): kind is LinkKind {
  return (LINK_KINDS as readonly string[]).includes(kind);
}

export function isNodeKind(kind: FaultKind): kind is NodeKind {
  return (NODE_KINDS as readonly string[]).includes(kind);
}
