import { z } from 'zod';
import { duration } from '../topology/duration.js';
import { userWorkloadName } from './command.js';
import { CONSISTENCIES } from './spec.js';

/**
 * The `cql` workload: your own statements, with generated values, at a consistency level, from
 * chosen regions through fedsim's region clients (so they pay the links), at a rate and a
 * concurrency. Placeholders become bound values of a prepared statement, never text in the query:
 * `{{uuid}}`, `{{timeuuid}}`, `{{int}}`, `{{text}}`, `{{region}}` and `{{workspace}}` (one of the
 * client region's workspaces, `<region>-w<n>`, recorded as the operation's workspace).
 */
const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
const VALUES = ['uuid', 'timeuuid', 'int', 'text', 'region', 'workspace'] as const;
export type Value = (typeof VALUES)[number];

const statement = z.strictObject({
  f: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,30}$/, 'expected a short lower-case name')
    .describe("the operation's name in the history"),
  cql: z
    .string()
    .min(1)
    .refine((q) => [...q.matchAll(PLACEHOLDER)].every((m) => (VALUES as readonly string[]).includes(m[1]!)), {
      message: `unknown placeholder; expected ${VALUES.map((v) => `{{${v}}}`).join(', ')}`,
    }),
  weight: z.number().min(0).default(1),
});

export const CqlWorkloadSchema = z.strictObject({
  kind: z.literal('cql'),
  name: userWorkloadName,
  regions: z.array(z.string()).min(1).describe('the regions whose clients run it'),
  cluster: z.string().optional().describe("the cluster its statements go to; default: each region's own"),
  setup: z
    .array(z.string().min(1))
    .default([])
    .describe('statements run once on each cluster before the warm-up (CREATE TABLE IF NOT EXISTS...)'),
  statements: z
    .array(statement)
    .min(1, 'expected at least one statement')
    .refine((s) => s.some((x) => x.weight > 0), 'expected at least one statement with a weight above 0'),
  consistency: z.enum(CONSISTENCIES).default('LOCAL_QUORUM'),
  workspaces: z.number().int().min(1).max(10_000).default(4).describe('how many workspaces {{workspace}} draws from per region'),
  rate: z.number().min(0).max(100_000).default(10).describe('statements per second per region, at most; 0: as fast as they go'),
  concurrency: z.number().int().min(1).max(256).default(2),
  timeout: duration(120_000).default(5000),
});
export type CqlWorkload = z.output<typeof CqlWorkloadSchema>;

/** A statement's query with `?` for each placeholder, and the values to bind in order. */
export function prepareStatement(cql: string): { query: string; values: Value[] } {
  const values: Value[] = [];
  const query = cql.replace(PLACEHOLDER, (_, v: Value) => {
    values.push(v);
    return '?';
  });
  return { query, values };
}
