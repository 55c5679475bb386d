import type { FaultRecord } from '../faults/log.js';
import type { History } from '../workload/history.js';
import { type AvailabilityOptions, checkAvailability } from './availability.js';
import { checkDurability } from './durability.js';
import { checkLatency, type LatencyThreshold } from './latency.js';
import { checkResidency, checkRouting } from './routing.js';
import type { Verdict } from './verdict.js';

export interface CheckOptions {
  latency?: LatencyThreshold[];
  availability?: Partial<AvailabilityOptions>;
}

/** Every checker over one history and its fault log; pure, so a saved run is re-checked anywhere. */
export function checkHistory(h: History, faults: FaultRecord[], opts: CheckOptions = {}): Verdict[] {
  return [
    checkDurability(h),
    checkRouting(h),
    checkResidency(h),
    checkLatency(h, opts.latency),
    checkAvailability(h, faults, opts.availability),
  ];
}
