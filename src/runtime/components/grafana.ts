import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grafanaServiceDatasources } from '../../monitoring/config.js';
import { projectRoot } from '../../paths.js';
import { GRAFANA_PORT, PROMETHEUS_PORT } from '../../topology/plan.js';
import { monitorBase, monitorReadiness } from './monitor.js';
import type { CatalogRecord } from './record.js';

const grafanaDir = join(projectRoot, 'docker/grafana');

/**
 * Grafana, where its registry image can be had (it has no local recipe: docker/grafana/README.md),
 * provisioned with the federation's Prometheus, fedsim's dashboard and a datasource per replica of
 * a service that asks for one. A view only: on the first region's network, and not being ready is
 * said, not fatal.
 */
export const grafana: CatalogRecord<void> = {
  image: 'grafana',
  container: (plan, _, image) => {
    const m = plan.monitoring!;
    const home = plan.networks[0]!;
    return {
      ...monitorBase(plan, 'grafana', image.ref, GRAFANA_PORT),
      Env: [`FEDSIM_PROMETHEUS_URL=http://${m.prometheus.addresses[home.region]}:${PROMETHEUS_PORT}`],
    };
  },
  files: (plan) => {
    const files: Record<string, string> = {};
    for (const sub of ['provisioning/datasources', 'provisioning/dashboards', 'dashboards'])
      for (const f of readdirSync(join(grafanaDir, sub))) files[`${sub}/${f}`] = readFileSync(join(grafanaDir, sub, f), 'utf8');
    const services = grafanaServiceDatasources(plan);
    if (services) files['provisioning/datasources/services.yml'] = services;
    return { dir: '/etc/grafana', files };
  },
  readiness: (engine, plan) =>
    monitorReadiness(engine, plan, 'grafana', { port: GRAFANA_PORT, path: '/api/health', timeoutMs: 120_000, required: false }),
};
