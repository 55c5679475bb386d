import { stringify } from 'yaml';
import { ALERTMANAGER_PORT, GATEWAY_API_PORT, NODE_METRICS_PORT, type Plan } from '../topology/plan.js';

/**
 * The configuration of a federation's Prometheus and Alertmanager, from its plan (pure). Short
 * intervals, since a scenario lasts a minute: scrape and evaluate every 2 s.
 */
export const SCRAPE_INTERVAL_S = 2;
export const EVALUATION_INTERVAL_S = 2;
export const RULES_FILE = '/etc/prometheus/fedsim-alerts.yml';
/** Alertmanager's wait before the first notification of a group, and between a group's updates. */
export const GROUP_WAIT_S = 1;

export function prometheusConfig(plan: Plan): string {
  const m = plan.monitoring;
  if (!m) throw new Error(`federation ${plan.federation} has no monitoring`);
  const home = plan.regions[0]!;
  return stringify({
    global: { scrape_interval: `${SCRAPE_INTERVAL_S}s`, scrape_timeout: '1500ms', evaluation_interval: `${EVALUATION_INTERVAL_S}s` },
    rule_files: [RULES_FILE],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [`${m.alertmanager.addresses[home]}:${ALERTMANAGER_PORT}`] }] }] },
    scrape_configs: [
      {
        job_name: 'cassandra',
        static_configs: plan.nodes.map((n) => ({
          targets: [`${n.address}:${NODE_METRICS_PORT}`],
          labels: { node: n.name, cluster: n.cluster, region: n.region },
        })),
      },
      {
        job_name: 'gateway',
        static_configs: plan.gateways.map((g) => ({
          targets: [`${g.addresses[g.region]}:${GATEWAY_API_PORT}`],
          labels: { region: g.region },
        })),
      },
      ...plan.services
        .filter((s) => s.metrics)
        .map((s) => ({
          job_name: `service-${s.name}`,
          metrics_path: s.metrics!.path,
          static_configs: plan.replicas
            .filter((r) => r.service === s.name)
            .map((r) => ({ targets: [`${r.address}:${s.metrics!.port}`], labels: { service: s.name, replica: r.name, region: r.region } })),
        })),
      { job_name: 'fedsim', static_configs: [{ targets: [`${m.fedsim.host}:${m.fedsim.port}`] }] },
    ],
  });
}

export function alertmanagerConfig(plan: Plan): string {
  const m = plan.monitoring;
  if (!m) throw new Error(`federation ${plan.federation} has no monitoring`);
  return stringify({
    route: {
      receiver: 'fedsim',
      group_by: ['alertname', 'node', 'region', 'client_region', 'target_cluster', 'target_region'],
      group_wait: `${GROUP_WAIT_S}s`,
      group_interval: `${GROUP_WAIT_S}s`,
      repeat_interval: '1h',
    },
    receivers: [{ name: 'fedsim', webhook_configs: [{ url: `http://${m.fedsim.host}:${m.fedsim.port}/alerts`, send_resolved: true }] }],
  });
}

/**
 * Grafana's datasources for the services that answer the Prometheus query API (`datasource:`), one
 * per replica, so one per region where a service has a replica in each: the federation document's
 * option A (a datasource per region's store). Provisioned beside fedsim's own Prometheus.
 */
export function grafanaServiceDatasources(plan: Plan): string | undefined {
  const sources = plan.services
    .filter((s) => s.datasource)
    .flatMap((s) =>
      plan.replicas
        .filter((r) => r.service === s.name)
        .map((r) => ({
          name: `${s.name} ${r.region}${s.replicas.filter((x) => x.startsWith(`${s.name}-${r.region}-`)).length > 1 ? ` ${r.name}` : ''}`,
          uid: `fedsim-${r.name}`,
          type: 'prometheus',
          access: 'proxy',
          url: `http://${r.address}:${s.datasource!.port}${s.datasource!.path === '/' ? '' : s.datasource!.path}`,
          jsonData: { httpMethod: 'POST' },
        })),
    );
  return sources.length ? stringify({ apiVersion: 1, datasources: sources }) : undefined;
}
