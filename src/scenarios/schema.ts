import { z } from 'zod';
import { duration } from '../common/duration.js';
import { NAME_PATTERN, NAME_RULE } from '../common/names.js';
import { FaultSpecSchema } from '../faults/spec.js';
import { TopologySchema } from '../topology/schema.js';
import { type UserWorkload, UserWorkloadSchema } from '../workload/kinds.js';
import { seed, WorkloadSchema } from '../workload/spec.js';
import {
  AlertExpectationSchema,
  AvailabilityOptionsSchema,
  LatencyThresholdSchema,
  RemoteWriteOptionsSchema,
  SamplesOptionsSchema,
} from './expect.js';

/** The user's own workloads, beside fedsim's: each records its operations in the same history. */
export { type UserWorkload, UserWorkloadSchema };

/**
 * The scenario file: a topology (inline, or a path relative to the scenario file), a workload, a
 * timeline of faults (steps at a time or after the previous one, and Jepsen-style random faults
 * drawn at an interval), the expectations, and what happens to the federation after the run.
 */
const step = z
  .strictObject({
    at: duration().optional().describe('when, from the end of the warm-up'),
    after: duration().optional().describe('when, after the previous step'),
    fault: FaultSpecSchema.optional(),
    heal: z.literal(true).optional().describe('undo every active fault'),
  })
  .superRefine((s, ctx) => {
    if ((s.at === undefined) === (s.after === undefined))
      ctx.addIssue({ code: 'custom', message: 'a step needs exactly one of "at" or "after"' });
    if ((s.fault === undefined) === (s.heal === undefined))
      ctx.addIssue({ code: 'custom', message: 'a step needs exactly one of "fault" or "heal"' });
  });

const nemesis = z.strictObject({
  every: duration(undefined, true).describe('a random fault starts this often'),
  for: duration(undefined, true).describe('how long each lasts'),
  faults: z.array(FaultSpecSchema).min(1, 'expected at least one fault to draw from'),
  start: duration().default(0).describe('first draw, from the end of the warm-up'),
  seed: z.number().int().min(0).optional().describe("default: the scenario's seed"),
});

const steady = z.strictObject({
  window: duration(undefined, true)
    .default(5000)
    .describe('length of the steady-state windows: the end of the warm-up, and the end of the run'),
  maxErrorRate: z.number().min(0).max(1).default(0),
  p99: duration(600_000).optional(),
});

/** fedsim's own driver sessions (its workload's, and the checks'): see DEFAULT_RECONNECT. */
const clients = z.strictObject({
  reconnect: z
    .strictObject({
      base: duration().default(100).describe('first wait before trying a lost node again (the first try is at once)'),
      max: duration().default(1000).describe('the wait doubles up to this'),
    })
    .refine((r) => r.base >= 10, { message: 'reconnect.base must be at least 10ms (0 would retry in a busy loop)' })
    .refine((r) => r.base <= r.max, { message: 'reconnect.base must not exceed reconnect.max' })
    .default({ base: 100, max: 1000 })
    .describe("how soon fedsim's clients try a lost node again: exponential, capped"),
});

export const ExpectSchema = z.strictObject({
  durability: z.boolean().default(true),
  routing: z.boolean().default(true),
  residency: z.boolean().default(true),
  latency: z.array(LatencyThresholdSchema).optional(),
  availability: AvailabilityOptionsSchema.optional(),
  alerts: z
    .array(AlertExpectationSchema)
    .optional()
    .describe('alerts that must fire (and resolve) in time; the topology needs `monitoring: on`'),
  steady: steady
    .optional()
    .describe("Chaos Toolkit's steady-state hypothesis, checked before the first fault and after the last is undone"),
  remoteWrite: RemoteWriteOptionsSchema.optional().describe(
    "remote write as the agents (vmagent) measure it, from their own metrics scraped by fedsim's Prometheus; the topology needs `monitoring: on`",
  ),
  samples: SamplesOptionsSchema.optional().describe("a command workload's samples found where they belong (examples/victoria-metrics)"),
});

export const ScenarioSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, NAME_RULE),
  description: z.string().optional(),
  topology: z.union([z.string().min(1), TopologySchema]).describe('a topology, or the path of a topology file relative to this file'),
  workload: WorkloadSchema.default(WorkloadSchema.parse({})),
  workloads: z
    .array(UserWorkloadSchema)
    .default([])
    .describe('workloads of your own (command, cql, http), judged by the same checkers; see docs/OPERATIONS.md'),
  clients: clients.default(clients.parse({})),
  warmup: duration().default(5000),
  timeline: z.array(step).default([]),
  nemesis: nemesis.optional(),
  expect: ExpectSchema.default(ExpectSchema.parse({})),
  after: z
    .enum(['down', 'keep', 'reuse'])
    .default('down')
    .describe('down: remove the federation; keep: leave it up; reuse: leave it up for the next run'),
  seed,
});

export type Scenario = z.output<typeof ScenarioSchema>;
export type Expect = z.output<typeof ExpectSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
