import { alertmanagerConfig } from '../../monitoring/config.js';
import { ALERTMANAGER_PORT } from '../../topology/plan.js';
import { monitorBase, monitorJoins, monitorReadiness } from './monitor.js';
import type { CatalogRecord } from './record.js';

/** Alertmanager: routes every alert to fedsim's webhook; a run's alerts need it ready. */
export const alertmanager: CatalogRecord<void> = {
  image: 'alertmanager',
  container: (plan, _, image) => monitorBase(plan, 'alertmanager', image.ref, ALERTMANAGER_PORT),
  joins: (plan) => monitorJoins(plan, 'alertmanager'),
  files: (plan) => ({ dir: '/etc/alertmanager', files: { 'alertmanager.yml': alertmanagerConfig(plan) } }),
  readiness: (engine, plan) =>
    monitorReadiness(engine, plan, 'alertmanager', { port: ALERTMANAGER_PORT, path: '/-/ready', timeoutMs: 60_000, required: true }),
};
