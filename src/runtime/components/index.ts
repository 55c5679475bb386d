import type { NodePlan } from '../../topology/plan.js';
import type { ResolvedImage } from '../images.js';
import { alertmanager } from './alertmanager.js';
import { cassandra } from './cassandra.js';
import { grafana } from './grafana.js';
import { prometheus } from './prometheus.js';
import type { CatalogRecord } from './record.js';
import { scylla } from './scylla.js';

export { gateway } from './gateway.js';
export { awaitReady, type CatalogRecord, type ComponentRecord, place, type ReadyWhen } from './record.js';
export { replica } from './replica.js';

/** The record a node runs as: its flavor's, by the image it got (Cassandra stands in for a Scylla that cannot be had). */
export function nodeRecord(image: ResolvedImage): CatalogRecord<NodePlan> {
  return image.component === 'scylla' ? scylla : cassandra;
}

/**
 * A federation's monitoring (`monitoring: on`), in the order it is placed. An optional one runs
 * only where its image can be had; the others fail `up` without theirs.
 */
export const MONITORING: { record: CatalogRecord<void>; optional: boolean }[] = [
  { record: prometheus, optional: false },
  { record: alertmanager, optional: false },
  { record: grafana, optional: true },
];
