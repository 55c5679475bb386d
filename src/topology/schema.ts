import { z } from 'zod';
import { duration } from '../common/duration.js';
import { NAME_PATTERN, NAME_RULE } from '../common/names.js';
import { checkServices, ServiceSchema } from './services.js';

/**
 * The topology file: regions, the WAN links between them, the database clusters and their keyspaces.
 * Every object is strict (an unknown key is an error), and cross-references are checked in
 * `superRefine`, so each problem is reported at the path of the field that causes it.
 */
const name = z.string().regex(NAME_PATTERN, NAME_RULE);

const link = z.strictObject({
  latency: duration(10_000).describe('one-way added latency'),
  jitter: duration(10_000).default(0).describe('one-way jitter (+/-)'),
});

const pairLink = z.strictObject({
  from: name,
  to: name,
  latency: duration(10_000),
  jitter: duration(10_000).default(0),
  both: z.boolean().default(false).describe('apply to both directions'),
});

/** Memory per node in MiB, written "1536m", "2g" or a number of MiB. */
const memory = z
  .union([z.number().int(), z.string().regex(/^\d+[mg]$/i, 'expected a size like "1536m" or "2g"')])
  .transform((s) => (typeof s === 'number' ? s : Number.parseInt(s, 10) * (/g$/i.test(s) ? 1024 : 1)))
  .refine((mb) => mb >= 768 && mb <= 65536, 'expected between 768m and 64g per node');

export const FLAVORS = ['cassandra', 'scylla'] as const;

/**
 * How a Cassandra node is sized for a test federation on a small machine (docs/OPERATIONS.md,
 * "Lighter nodes"; measured in bench/RESULTS.md). Scylla ignores it (it runs --smp 1 already).
 */
export const TuningSchema = z.strictObject({
  processors: z
    .number()
    .int()
    .min(0)
    .max(64)
    .default(1)
    .describe("processors the JVM and Cassandra size their thread pools and GC for; 0: the machine's"),
  light: z
    .boolean()
    .default(true)
    .describe('small request and flush pools, no cache saving, no index summary resizing, a slower dynamic snitch'),
  cds: z.boolean().default(true).describe("start from the image's class-data sharing archive of a node's start-up"),
});
export type Tuning = z.output<typeof TuningSchema>;

const cluster = z.strictObject({
  name,
  role: z.enum(['main', 'worker']).optional().describe('federation shape only: the Main Cluster holds the registry'),
  flavor: z.enum(FLAVORS).default('cassandra'),
  version: z.string().optional().describe("database version; defaults to the image catalog's"),
  nodes: z
    .record(name, z.number().int().min(1, 'expected at least 1 node').max(9, 'expected at most 9 nodes per region on one machine'))
    .describe('node count per region'),
  memory: memory.default(1536).describe('memory limit per node; the JVM heap gets a third'),
  tuning: TuningSchema.default(TuningSchema.parse({})).describe('how each node is sized for a test federation'),
  commitlog: z
    .enum(['periodic', 'batch'])
    .default('periodic')
    .describe(
      "periodic (Cassandra's default): fsync every 10 s, so a killed node can lose writes it acknowledged; batch: fsync before acknowledging",
    ),
});

const keyspace = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'expected a CQL keyspace name (lower-case letters, digits, underscores)'),
  replication: z
    .union([z.number().int().min(1).max(9), z.record(name, z.number().int().min(0).max(9))])
    .describe('replicas per datacenter: one number for every datacenter, or a number per region'),
});

export const TopologySchema = z
  .strictObject({
    name: name.optional().describe('federation name; `fedsim up --name` overrides it'),
    shape: z
      .enum(['federation', 'stretched'])
      .describe('federation: a Main Cluster and Worker Clusters, each in one region; stretched: one cluster, a datacenter per region'),
    regions: z.array(name).min(1, 'expected at least one region').max(8, 'expected at most 8 regions'),
    links: z
      .strictObject({
        default: link.default({ latency: 0, jitter: 0 }),
        pairs: z.array(pairLink).default([]),
      })
      .default({ default: { latency: 0, jitter: 0 }, pairs: [] }),
    clusters: z.array(cluster).min(1, 'expected at least one cluster'),
    keyspaces: z.array(keyspace).default([]),
    monitoring: z
      .union([z.boolean(), z.enum(['on', 'off'])])
      .default(false)
      .transform((v) => v === true || v === 'on')
      .describe('on: also start Prometheus and Alertmanager (and Grafana where its image can be had)'),
    services: z.array(ServiceSchema).default([]).describe("the user's own services, replicas in regions, each a client of its region"),
  })
  .superRefine((t, ctx) => {
    const regions = new Set(t.regions);
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    t.regions.forEach((r, i) => {
      if (t.regions.indexOf(r) !== i) issue(['regions', i], `duplicate region "${r}"`);
    });
    const known = `one of ${t.regions.join(', ')}`;
    t.links.pairs.forEach((p, i) => {
      if (!regions.has(p.from)) issue(['links', 'pairs', i, 'from'], `unknown region "${p.from}"; expected ${known}`);
      if (!regions.has(p.to)) issue(['links', 'pairs', i, 'to'], `unknown region "${p.to}"; expected ${known}`);
      if (p.from === p.to)
        issue(
          ['links', 'pairs', i, 'to'],
          `a link goes between two regions; "${p.from}" links to itself (inside a region there is no added latency)`,
        );
      const dup = t.links.pairs.findIndex(
        (q, j) => j < i && ((q.from === p.from && q.to === p.to) || ((q.both || p.both) && q.from === p.to && q.to === p.from)),
      );
      if (dup >= 0) issue(['links', 'pairs', i], `the link ${p.from} -> ${p.to} is already set by links.pairs[${dup}]`);
    });
    const clusterNames = new Set<string>();
    t.clusters.forEach((c, i) => {
      if (clusterNames.has(c.name)) issue(['clusters', i, 'name'], `duplicate cluster name "${c.name}"`);
      clusterNames.add(c.name);
      const where = Object.keys(c.nodes);
      if (where.length === 0) issue(['clusters', i, 'nodes'], 'expected a node count for at least one region');
      for (const r of where) if (!regions.has(r)) issue(['clusters', i, 'nodes', r], `unknown region "${r}"; expected ${known}`);
      if (t.shape === 'federation') {
        if (where.length > 1)
          issue(
            ['clusters', i, 'nodes'],
            'in a federation each cluster lives in one region; use shape: stretched for a cluster across regions',
          );
        if (!c.role) issue(['clusters', i, 'role'], 'expected "main" or "worker" in a federation');
      } else if (c.role) {
        issue(['clusters', i, 'role'], 'roles belong to the federation shape; a stretched topology has one cluster');
      }
    });
    if (t.shape === 'federation') {
      const mains = t.clusters.filter((c) => c.role === 'main').length;
      if (mains !== 1) issue(['clusters'], `a federation has exactly one cluster with role: main, found ${mains}`);
    } else if (t.clusters.length !== 1) {
      issue(['clusters'], `a stretched topology has exactly one cluster, found ${t.clusters.length}`);
    }
    const keyspaceNames = new Set<string>();
    t.keyspaces.forEach((k, i) => {
      if (keyspaceNames.has(k.name)) issue(['keyspaces', i, 'name'], `duplicate keyspace "${k.name}"`);
      keyspaceNames.add(k.name);
      if (k.name.startsWith('system') || k.name === 'fedsim_registry') issue(['keyspaces', i, 'name'], `"${k.name}" is reserved`);
      // Replication can never exceed the nodes of a datacenter, in any cluster it is created in.
      for (const c of t.clusters) {
        for (const [region, count] of Object.entries(c.nodes)) {
          const rf = typeof k.replication === 'number' ? k.replication : k.replication[region];
          if (rf !== undefined && rf > count) {
            issue(
              ['keyspaces', i, 'replication', ...(typeof k.replication === 'number' ? [] : [region])],
              `replication ${rf} in ${region} is more than the ${count} node(s) cluster "${c.name}" has there`,
            );
          }
        }
      }
      if (typeof k.replication !== 'number') {
        for (const r of Object.keys(k.replication))
          if (!regions.has(r)) issue(['keyspaces', i, 'replication', r], `unknown region "${r}"; expected ${known}`);
      }
    });
    checkServices(t, issue);
  });

export type TopologyInput = z.input<typeof TopologySchema>;

/** Parses a topology given as data (the API's entry point); a parsed topology parses to itself. */
export function parseTopology(input: TopologyInput | Topology): Topology {
  return TopologySchema.parse(input);
}
export type Topology = z.output<typeof TopologySchema>;
export type ClusterSpec = Topology['clusters'][number];
export type { Readiness, ServiceSpec } from './services.js';
