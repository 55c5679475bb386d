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
