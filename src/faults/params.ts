import { z } from 'zod';
import { duration, parseDuration } from '../common/duration.js';

/** A signed duration in ms: "-30s", "+2m", "90s", or a number of ms. */
function signedDuration(maxMs: number) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const text = typeof v === 'number' ? String(v) : v.trim();
    const sign = text.startsWith('-') ? -1 : 1;
    const ms = parseDuration(text.replace(/^[-+]/, ''));
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration with an optional sign like "-30s" or "+2m", got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${maxMs / 3_600_000}h either way, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return sign * ms;
  });
}

/**
 * Every parameter a fault kind may take, once: its schema, how `fedsim fault` reads it from the
 * command line (the flag is the name in kebab case) and an example for the docs. Which kinds take
 * which parameter, and what it means to each, is said by the kinds (kinds.ts).
 */
export const PARAMS = {
  latency: { schema: duration(60_000), cli: 'duration', example: '150ms' },
  jitter: { schema: duration(60_000), cli: 'duration', example: '10ms' },
  rate: { schema: z.number().int().min(1).max(10_000_000), cli: 'integer', arg: 'KB/s', example: 'KB/s' },
  after: { schema: duration(3_600_000), cli: 'duration', example: '2s' },
  delay: { schema: duration(60_000), cli: 'duration', example: '1s' },
  size: { schema: z.number().int().min(1).max(1_048_576), cli: 'integer', arg: 'bytes', example: '64' },
  bytes: { schema: z.number().int().min(0).max(1_073_741_824), cli: 'integer', arg: 'n', example: 'N' },
  oneWay: { schema: z.boolean(), cli: 'flag' },
  percent: { schema: z.number().int().min(1).max(100), cli: 'integer', arg: '%', example: '%' },
  burst: { schema: z.number().int().min(2).max(1000), cli: 'integer', arg: 'packets', example: 'N' },
  cpu: { schema: z.number().int().min(1).max(6400), cli: 'integer', arg: '%', example: '%' },
  memory: { schema: z.number().int().min(16).max(1_048_576), cli: 'integer', arg: 'MiB', example: 'MiB' },
  offset: { schema: signedDuration(7 * 24 * 3_600_000), cli: 'duration', example: '-30s' },
  pick: { schema: z.number().int().min(1).max(64), cli: 'integer', arg: 'n', example: 'N' },
  seed: {
    schema: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31),
    cli: 'integer',
    arg: 'n',
    example: 'S',
  },
} as const;

export type Param = keyof typeof PARAMS;
export const PARAM_NAMES = Object.keys(PARAMS) as Param[];
export type FaultParams = { [P in Param]?: z.output<(typeof PARAMS)[P]['schema']> };

/** A parsed fault as a kind's module sees it: its kind already known to be that module's. */
export type FaultInput = { kind: string; target: string; for?: number } & FaultParams;

/** `oneWay` -> `one-way`. */
export const flagOf = (p: Param): string => p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
