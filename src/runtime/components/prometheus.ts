import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { prometheusConfig, RULES_FILE } from '../../monitoring/config.js';
import { projectRoot } from '../../paths.js';
import { PROMETHEUS_PORT } from '../../topology/plan.js';
import { monitorBase, monitorJoins, monitorReadiness } from './monitor.js';
import type { CatalogRecord } from './record.js';

/** Prometheus: a configuration generated from the plan, fedsim's alert rules; a run's alerts need it ready. */
export const prometheus: CatalogRecord<void> = {
  image: 'prometheus',
  container: (plan, _, image) => {
    // Resend firing alerts every 2 s (default 1 min) so Alertmanager hears of each change at once.
    const cmd = [
      '/usr/bin/prometheus',
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      `--web.listen-address=0.0.0.0:${PROMETHEUS_PORT}`,
      '--storage.tsdb.retention.time=2h',
      '--rules.alert.resend-delay=2s',
    ];
    // The local image's entrypoint is the whole command; the registry image's takes flags as its command.
    return {
      ...monitorBase(plan, 'prometheus', image.ref, PROMETHEUS_PORT),
      ...(image.source === 'local' ? { Entrypoint: cmd } : { Cmd: cmd.slice(1) }),
    };
  },
  joins: (plan) => monitorJoins(plan, 'prometheus'),
  files: (plan) => ({
    dir: '/etc/prometheus',
    files: {
      'prometheus.yml': prometheusConfig(plan),
      [RULES_FILE.split('/').pop()!]: readFileSync(join(projectRoot, 'docker/prometheus/alerts.yml'), 'utf8'),
    },
  }),
  readiness: (engine, plan) =>
    monitorReadiness(engine, plan, 'prometheus', { port: PROMETHEUS_PORT, path: '/-/ready', timeoutMs: 60_000, required: true }),
};
