import { z } from 'zod';
import { duration } from '../common/duration.js';
import { CONSISTENCIES } from '../workload/spec.js';

/**
 * The shapes of a scenario's expectations that a checker is built with: the scenario schema (this
 * layer) validates them, the checkers (a later one) take them as options.
 */

/**
 * Alert expectations: "alert NAME fires within N s of fault F taking effect, and resolves within M
 * s of F being undone", F being a step of the scenario's timeline. Measured from the fault log to
 * the moment fedsim's webhook was told, so the delay includes the scrape, the rule's `for`, the
 * evaluation and Alertmanager's grouping: the delay a team's pager would see.
 */
export const AlertExpectationSchema = z.strictObject({
  alert: z.string().min(1).describe('the alert rule, e.g. FedsimNodeDown'),
  fault: z.number().int().min(0).describe('the timeline step (0-based) whose fault should set it off'),
  firesWithin: duration().describe('from the fault taking effect to fedsim being told it fires'),
  resolvesWithin: duration().optional().describe('from the fault being undone to fedsim being told it resolved'),
});
export type AlertExpectation = z.output<typeof AlertExpectationSchema>;

/** Options of the availability checker (checkers/availability.ts). */
export const AvailabilityOptionsSchema = z.strictObject({
  window: duration(3_600_000, true).default(1000).describe('width of the error-rate windows'),
  maxErrorRate: z.number().min(0).max(1).optional().describe('highest share of failed or unknown operations over the run'),
  recoveryWithin: duration().optional().describe('each fault: success again within this long after it is undone'),
  untouched: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('highest share of failed or unknown operations among those no fault touched: the rest of the federation did not notice'),
  failWhileFaulted: z
    .array(
      z
        .string()
        .regex(
          new RegExp(`^(create|write|read|read-all)(@(${CONSISTENCIES.join('|')}))?$`),
          'expected an operation kind (create, write, read, read-all), optionally at a level: write@EACH_QUORUM',
        ),
    )
    .optional()
    .describe(
      'operations that must fail while a fault touching them is in effect and succeed again after it is undone (create while the Main Cluster is down; write@EACH_QUORUM while a site is); their failures until then (until recoveryWithin after the undo, when given) are left out of the error rate',
    ),
});
export type AvailabilityOptions = z.output<typeof AvailabilityOptionsSchema>;

/** A latency threshold of the latency checker (checkers/latency.ts): a pair is `A->B`, `local`, `remote` or `*`. */
export const LatencyThresholdSchema = z.strictObject({
  pair: z
    .string()
    .regex(/^(\*|local|remote|[a-z0-9-]+->[a-z0-9-]+)$/, 'expected A->B, local, remote or *')
    .default('*'),
  p50: duration(600_000).optional(),
  p95: duration(600_000).optional(),
  p99: duration(600_000).optional(),
  max: duration(600_000).optional(),
});
export type LatencyThreshold = z.output<typeof LatencyThresholdSchema>;

/** Options of the remote-write checker (checkers/remote-write.ts). */
const pairRule = z
  .string()
  .regex(/^(\*|local|remote|[a-z0-9-]+->[a-z0-9-]+)$/, 'expected A->B, local, remote or *')
  .default('*');

export const RemoteWriteOptionsSchema = z.strictObject({
  agents: z
    .array(
      z.strictObject({
        service: z.string().describe('the agent service (its replicas serve metrics)'),
        layout: z.string().describe('the name the comparison gives this layout'),
        store: z.string().describe("the service it writes to: each agent to its region's replica, else the first"),
      }),
    )
    .min(1),
  latency: z
    .array(
      z.strictObject({
        layout: z.string().optional(),
        pair: pairRule,
        p50: duration(600_000).optional(),
        p99: duration(600_000).optional(),
      }),
    )
    .default([]),
  settle: duration(600_000).default(5_000).describe('after a fault touching a path is undone, its durations are left out this long'),
});
export type RemoteWriteOptions = z.output<typeof RemoteWriteOptionsSchema>;

/** Options of the samples checker (checkers/samples.ts). */
export const SamplesOptionsSchema = z.strictObject({
  residency: z.array(z.string()).default([]).describe('layouts whose samples must stay in their own region'),
  global: z.array(z.string()).default([]).describe('layouts whose global query layer must return every sample'),
  lossOnKill: z
    .boolean()
    .default(false)
    .describe(
      'a sample pushed before a kill of its agent or its home store (SIGKILL: what they had not flushed is gone) may be missing; counted apart, never hidden',
    ),
});
export type SamplesOptions = z.output<typeof SamplesOptionsSchema>;
