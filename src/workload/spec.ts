import { z } from 'zod';
import { duration } from '../common/duration.js';
import { NAME_PATTERN } from '../common/names.js';

/**
 * The workload as users write it (a scenario's `workload:`): clients in each region creating
 * workspaces, writing unique elements into them (Jepsen's set workload, so a lost write can be
 * proven) and reading them back, at a rate, a concurrency and a locality, all seeded.
 */
export const CONSISTENCIES = ['ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;
export type Consistency = (typeof CONSISTENCIES)[number];

/** The seed of a run's random choices: the same seed, the same operations and faults. */
export const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31)
  .default(1);

/** One level, or levels drawn by weight per operation (e.g. `{ LOCAL_QUORUM: 3, EACH_QUORUM: 1 }`). */
const levels = z.union([
  z.enum(CONSISTENCIES),
  z
    .partialRecord(z.enum(CONSISTENCIES), z.number().min(0))
    .refine((m) => Object.values(m).some((w) => w !== undefined && w > 0), 'expected at least one level with a weight above 0'),
]);
export type Levels = z.output<typeof levels>;

const regionName = z.string().regex(NAME_PATTERN, 'expected a region name');

export const WorkloadSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe(
      "false: fedsim's own clients stay idle, the scenario's `workloads:` alone make the traffic; `duration` still sets the run's length",
    ),
  keyspace: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,47}$/)
    .optional()
    .describe("keyspace of the workload's table; default: the topology's first keyspace"),
  regions: z.array(regionName).min(1).optional().describe('regions whose clients run the workload; default: every region'),
  workspaces: z.number().int().min(1).max(10_000).default(4).describe('workspaces each region creates before the run'),
  rate: z
    .number()
    .min(0)
    .max(100_000)
    .default(50)
    .describe(
      'operations per second per region, at most (slots missed while requests were slow are skipped); 0: as fast as the clients go',
    ),
  concurrency: z.number().int().min(1).max(256).default(4).describe('operations in flight per region'),
  duration: duration(undefined, true).default(30_000).describe('how long the workload runs'),
  locality: z.number().min(0).max(1).default(0.1).describe("share of a region's requests to workspaces of other regions"),
  central: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe("share of the workspaces a region creates on the Main Cluster instead of its own region's cluster (a centralized design)"),
  mix: z
    .strictObject({
      create: z.number().min(0).default(0.02),
      write: z.number().min(0).default(0.6),
      read: z.number().min(0).default(0.38),
    })
    .default({ create: 0.02, write: 0.6, read: 0.38 })
    .refine((m) => m.create + m.write + m.read > 0, 'expected at least one operation kind with a weight above 0')
    .describe('relative weights of the operation kinds'),
  readAll: z.number().min(0).max(1).default(0.1).describe('share of reads that read every element of a workspace'),
  consistency: z
    .strictObject({
      write: levels.default('LOCAL_QUORUM'),
      read: levels.default('LOCAL_QUORUM'),
      registry: z.enum(CONSISTENCIES).default('LOCAL_QUORUM'),
      final: z.enum(CONSISTENCIES).default('ALL'),
    })
    .default({ write: 'LOCAL_QUORUM', read: 'LOCAL_QUORUM', registry: 'LOCAL_QUORUM', final: 'ALL' })
    .describe(
      'consistency level per operation kind (writes and reads may mix levels by weight); `final` is the read after heal that durability checks',
    ),
  timeout: duration(120_000, true).default(5000).describe("the driver's per-request timeout"),
  seed,
});

export type Workload = z.output<typeof WorkloadSchema>;
export type WorkloadInput = z.input<typeof WorkloadSchema>;
