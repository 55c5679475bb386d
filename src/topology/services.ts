import { z } from 'zod';
import { duration } from '../common/duration.js';
import { NAME_PATTERN, NAME_RULE } from '../common/names.js';

/**
 * The user's own services in a topology: a container image (or a directory built into one), run as
 * replicas in regions, each a client of its region (its traffic to other regions pays the links).
 * Readiness is a value; `after` orders the start. Cross-references are checked in schema.ts.
 */
const name = z.string().regex(NAME_PATTERN, NAME_RULE);

/** fedsim's own recipes a service may run (runtime/catalog.ts holds them; a unit test keeps the two equal). */
export const SERVICE_COMPONENTS = ['victoria-metrics'] as const;

const port = z.number().int().min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535');

/** A port the service serves: reachable from other regions through the gateways, published on 127.0.0.1. */
const servicePort = z
  .union([port, z.strictObject({ port, host: port.optional().describe('a fixed port on 127.0.0.1 (default: one the engine picks)') })])
  .transform((p): { port: number; host?: number } => (typeof p === 'number' ? { port: p } : p));

/**
 * When a replica is ready: exactly one of a TCP port that accepts, an HTTP path answering a status,
 * a command that exits 0 inside the replica, or a line of its log matching a regular expression.
 */
export const ReadinessSchema = z
  .strictObject({
    tcp: port.optional().describe('ready when this port accepts a connection'),
    http: z
      .strictObject({
        port,
        path: z.string().startsWith('/', 'expected a path starting with /').default('/'),
        status: z.number().int().min(100).max(599).default(200),
      })
      .optional()
      .describe('ready when GET path answers this status'),
    command: z.array(z.string()).min(1).optional().describe('ready when this command exits 0 inside the replica'),
    log: z
      .string()
      .min(1)
      .refine((s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      }, 'expected a regular expression')
      .optional()
      .describe('ready when a line of the log matches this regular expression'),
    timeout: duration(3_600_000, true).default(60_000).describe('give up (and fail `up`) after this long'),
  })
  .refine((r) => [r.tcp, r.http, r.command, r.log].filter((x) => x !== undefined).length === 1, {
    message: 'expected exactly one of tcp, http, command or log',
  });

export const ServiceSchema = z
  .strictObject({
    name,
    image: z.string().min(1).optional().describe('an image present in the engine or one it can pull'),
    build: z
      .string()
      .min(1)
      .optional()
      .describe(
        "a directory with a Dockerfile (relative to the topology file), built by the engine; build arg FEDSIM_BASE names fedsim's base image",
      ),
    component: z
      .enum(SERVICE_COMPONENTS)
      .optional()
      .describe("one of fedsim's own image recipes (docker/), built here like fedsim's other images"),
    command: z
      .union([z.string().min(1), z.array(z.string()).min(1)])
      .optional()
      .transform((c) => (typeof c === 'string' ? ['/bin/sh', '-c', c] : c))
      .describe("the command (a string runs with /bin/sh -c); default: the image's"),
    env: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .default({})
      .superRefine((e, ctx) => {
        for (const k of Object.keys(e))
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
            ctx.addIssue({ code: 'custom', path: [k], message: 'expected an environment variable name' });
      })
      .transform((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)])))
      .describe('environment variables, besides the FEDSIM_* ones every replica gets'),
    regions: z
      .union([
        z.array(name).min(1, 'expected at least one region'),
        z.record(name, z.number().int().min(1, 'expected at least 1 replica').max(9, 'expected at most 9 replicas per region')),
      ])
      .transform((r) => (Array.isArray(r) ? Object.fromEntries(r.map((x) => [x, 1])) : r))
      .describe('where replicas run: a list of regions (one replica each) or a count per region'),
    ports: z.array(servicePort).default([]).describe('container ports the service serves'),
    ready: ReadinessSchema.optional().describe('when a replica counts as started (default: as soon as its container runs)'),
    after: z.array(name).default([]).describe('clusters and services that must be ready first'),
    metrics: z
      .strictObject({ port, path: z.string().startsWith('/', 'expected a path starting with /').default('/metrics') })
      .optional()
      .describe("where each replica serves Prometheus metrics: with `monitoring: on` fedsim's Prometheus scrapes it (job `service`)"),
    datasource: z
      .strictObject({ port, path: z.string().startsWith('/', 'expected a path starting with /').default('/') })
      .optional()
      .describe('each replica answers the Prometheus query API here: where Grafana runs, it gets one datasource per replica (per region)'),
  })
  .refine((s) => [s.image, s.build, s.component].filter((x) => x !== undefined).length === 1, {
    message: 'expected exactly one of image, build or component',
  });

export type ServiceInput = z.input<typeof ServiceSchema>;
export type ServiceSpec = z.output<typeof ServiceSchema>;
export type Readiness = z.output<typeof ReadinessSchema>;

type Issue = (path: (string | number)[], message: string) => void;

/** Cross-references of the services: regions, names, `after`, ports. */
export function checkServices(t: { regions: string[]; clusters: { name: string }[]; services: ServiceSpec[] }, issue: Issue): void {
  const regions = new Set(t.regions);
  const clusters = new Set(t.clusters.map((c) => c.name));
  const services = new Set<string>();
  const hostPorts = new Map<number, string>();
  t.services.forEach((s, i) => {
    if (services.has(s.name)) issue(['services', i, 'name'], `duplicate service name "${s.name}"`);
    if (clusters.has(s.name)) issue(['services', i, 'name'], `"${s.name}" is already a cluster's name; a service needs its own`);
    services.add(s.name);
    for (const r of Object.keys(s.regions))
      if (!regions.has(r)) issue(['services', i, 'regions', r], `unknown region "${r}"; expected one of ${t.regions.join(', ')}`);
    const replicas = Object.values(s.regions).reduce((a, b) => a + b, 0);
    s.ports.forEach((p, j) => {
      if (s.ports.findIndex((q) => q.port === p.port) !== j) issue(['services', i, 'ports', j], `port ${p.port} is listed twice`);
      if (p.host === undefined) return;
      if (replicas > 1) issue(['services', i, 'ports', j, 'host'], `a fixed host port fits one replica; "${s.name}" has ${replicas}`);
      const other = hostPorts.get(p.host);
      if (other) issue(['services', i, 'ports', j, 'host'], `host port ${p.host} is already taken by service "${other}"`);
      hostPorts.set(p.host, s.name);
    });
  });
  const byName = new Map(t.services.map((s) => [s.name, s]));
  t.services.forEach((s, i) => {
    s.after.forEach((a, j) => {
      if (a === s.name) issue(['services', i, 'after', j], `service "${s.name}" cannot wait for itself`);
      else if (!clusters.has(a) && !byName.has(a)) issue(['services', i, 'after', j], `unknown cluster or service "${a}"`);
    });
  });
  // A cycle of services waiting for each other would never start.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, path: string[]): string[] | undefined => {
    if (state.get(n) === 'done') return undefined;
    if (state.get(n) === 'visiting') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'visiting');
    for (const a of byName.get(n)?.after ?? []) {
      if (!byName.has(a) || a === n) continue;
      const cycle = visit(a, [...path, n]);
      if (cycle) return cycle;
    }
    state.set(n, 'done');
    return undefined;
  };
  for (const [i, s] of t.services.entries()) {
    const cycle = visit(s.name, []);
    if (cycle) {
      issue(['services', i, 'after'], `services wait for each other in a cycle: ${cycle.join(' -> ')}`);
      break;
    }
  }
}
