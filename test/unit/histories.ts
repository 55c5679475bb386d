import type { FaultRecord } from '../../src/faults/log.js';
import type { MetaLine } from '../../src/workload/history.js';
import { WorkloadSchema } from '../../src/workload/spec.js';

/**
 * What the unit tests' hand-written histories share: a two-region federation (a Main Cluster in us,
 * a worker `w` in eu, a node each) or a cluster stretched over both, and a kill of w's node.
 */
export const metaLine = (shape: 'federation' | 'stretched' = 'federation'): MetaLine => ({
  type: 'meta',
  federation: 'h',
  shape,
  regions: ['us', 'eu'],
  clusters:
    shape === 'federation'
      ? {
          main: { regions: ['us'], role: 'main', nodes: { 'main-us-1': 'us' } },
          w: { regions: ['eu'], role: 'worker', nodes: { 'w-eu-1': 'eu' } },
        }
      : { geo: { regions: ['us', 'eu'], role: 'stretched', nodes: { 'geo-us-1': 'us', 'geo-eu-1': 'eu' } } },
  workload: WorkloadSchema.parse({}),
  startedAt: '2026-11-21T00:00:00.000Z',
});

/** A kill of w's node, in effect from t = 1 ms unless told otherwise. */
export const killRecord = (over: Partial<FaultRecord> = {}): FaultRecord => ({
  id: 'f',
  kind: 'kill',
  target: 'w-eu-1',
  params: {},
  directions: [],
  nodes: ['w-eu-1'],
  asked: { t: 0, wall: '' },
  effect: { t: 1, wall: '' },
  ...over,
});
