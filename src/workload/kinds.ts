import { z } from 'zod';
import { duration } from '../common/duration.js';
import { NAME_PATTERN, NAME_RULE } from '../common/names.js';
import { CONSISTENCIES } from './spec.js';

/**
 * The user's own workload kinds as a scenario's `workloads:` declares them (zod): `command` (any
 * program reporting its operations as JSON lines), `cql` (the user's statements) and `http` (probes
 * of a service). What each does at run time is in command.ts, cql.ts and http.ts.
 */
export const userWorkloadName = z.string().regex(NAME_PATTERN, NAME_RULE);

export const CommandWorkloadSchema = z.strictObject({
  kind: z.literal('command'),
  name: userWorkloadName,
  region: z.string().describe('the region it is a client of'),
  run: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe("the program and its arguments (a string runs through /bin/sh -c), in the scenario file's folder"),
  cluster: z.string().optional().describe("the cluster its operations are served by unless a line says another; default: its region's own"),
  env: z.record(z.string(), z.string()).default({}),
  exit: z.number().int().min(0).max(255).default(0).describe('the exit code it must end with'),
  wan: z
    .boolean()
    .default(true)
    .describe(
      "true: it runs in its region's client network namespace (as `fedsim exec`), so its connections to other regions pay the links; false: a plain host process",
    ),
});
export type CommandWorkload = z.output<typeof CommandWorkloadSchema>;

export const commandLabel = (w: CommandWorkload): string =>
  `command ${w.name} (${(typeof w.run === 'string' ? w.run : w.run.join(' ')).slice(0, 60)})`;

export const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;
export const VALUES = ['uuid', 'timeuuid', 'int', 'text', 'region', 'workspace'] as const;
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
  timeout: duration(120_000, true).default(5000),
});
export type CqlWorkload = z.output<typeof CqlWorkloadSchema>;

export const HttpProbeSchema = z.strictObject({
  kind: z.literal('http'),
  name: userWorkloadName,
  regions: z.array(z.string()).min(1).describe('the client regions that probe'),
  url: z
    .url({ protocol: /^http$/, error: 'expected an http:// URL whose host is a service or a replica' })
    .describe('as seen from a region: http://SERVICE:PORT/path (its nearest replica) or http://REPLICA:PORT/path'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  status: z
    .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
    .default(200)
    .describe('the status (or statuses) that count as ok'),
  rate: z.number().min(0.1).max(1000).default(2).describe('requests per second per region, at most'),
  timeout: duration(120_000, true).default(2000),
});
export type HttpProbe = z.output<typeof HttpProbeSchema>;

export const UserWorkloadSchema = z.discriminatedUnion('kind', [CommandWorkloadSchema, CqlWorkloadSchema, HttpProbeSchema]);
export type UserWorkload = z.output<typeof UserWorkloadSchema>;
