import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Say } from '../common/say.js';
import { FedsimError } from '../errors.js';
import { alertmanagerConfig, grafanaServiceDatasources, prometheusConfig, RULES_FILE } from '../monitoring/config.js';
import { projectRoot } from '../paths.js';
import { ALERTMANAGER_PORT, GRAFANA_PORT, type Plan, PROMETHEUS_PORT } from '../topology/plan.js';
import type { ContainerSpec, Engine } from './engine.js';
import { type ImageSource, resolveImage } from './images.js';
import { federationLabels, LABEL } from './labels.js';
import { httpProbe, waitUntil } from './readiness.js';

/**
 * Monitoring containers of a federation (`monitoring: on`): Prometheus with fedsim's rules and a
 * configuration generated from the plan, and Alertmanager routing every alert to fedsim's webhook.
 * Both are attached to every region's network and published on 127.0.0.1.
 */
export interface MonitoringUrls {
  prometheus: string;
  alertmanager: string;
  /** Absent where no Grafana image can be had (see docker/grafana/README.md). */
  grafana?: string;
}

function spec(
  plan: Plan,
  role: 'prometheus' | 'alertmanager' | 'grafana',
  image: string,
  port: number,
  command: Pick<ContainerSpec, 'Entrypoint' | 'Cmd'> = {},
): ContainerSpec {
  const m = plan.monitoring!;
  const home = plan.networks[0]!;
  return {
    name: m[role].container,
    Image: image,
    ...command,
    Labels: federationLabels(plan.federation, { [LABEL.role]: role }),
    ExposedPorts: { [`${port}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Memory: 512 * 1024 * 1024,
    },
    NetworkingConfig: { EndpointsConfig: { [home.name]: { IPAMConfig: { IPv4Address: m[role].addresses[home.region] } } } },
  };
}

/** Starts the monitoring containers and waits until each answers its readiness endpoint. */
export async function startMonitoring(engine: Engine, plan: Plan, imageSource: ImageSource, say: Say, signal?: AbortSignal): Promise<void> {
  const m = plan.monitoring;
  if (!m) return;
  const prom = await resolveImage(engine, 'prometheus', imageSource, say);
  const am = await resolveImage(engine, 'alertmanager', imageSource, say);
  // Resend firing alerts every 2 s (default 1 min) so Alertmanager hears of each change at once.
  const promCmd = [
    '/usr/bin/prometheus',
    '--config.file=/etc/prometheus/prometheus.yml',
    '--storage.tsdb.path=/prometheus',
    `--web.listen-address=0.0.0.0:${PROMETHEUS_PORT}`,
    '--storage.tsdb.retention.time=2h',
    '--rules.alert.resend-delay=2s',
  ];
  const containers: { create: ContainerSpec; path: string; files: Record<string, string> }[] = [
    {
      // The local image's entrypoint is the whole command; the registry image's takes flags as its command.
      create: spec(
        plan,
        'prometheus',
        prom.ref,
        PROMETHEUS_PORT,
        prom.source === 'local' ? { Entrypoint: promCmd } : { Cmd: promCmd.slice(1) },
      ),
      path: '/etc/prometheus',
      files: {
        'prometheus.yml': prometheusConfig(plan),
        [RULES_FILE.split('/').pop()!]: readFileSync(join(projectRoot, 'docker/prometheus/alerts.yml'), 'utf8'),
      },
    },
    {
      create: spec(plan, 'alertmanager', am.ref, ALERTMANAGER_PORT),
      path: '/etc/alertmanager',
      files: { 'alertmanager.yml': alertmanagerConfig(plan) },
    },
  ];
  for (const c of containers) {
    const container = await engine.create(c.create);
    for (const net of plan.networks.slice(1)) {
      const role = c.create.Labels![LABEL.role] as 'prometheus' | 'alertmanager';
      await engine.connect(net.name, container, m[role].addresses[net.region]!);
    }
    await engine.putFiles(c.create.name!, c.path, c.files);
    await engine.start(container);
  }
  const grafana = await startGrafana(engine, plan, imageSource, say);
  await waitForMonitoring(engine, plan, grafana.started, say, signal);
  say(`monitoring: Prometheus (${prom.ref}), Alertmanager (${am.ref}), Grafana: ${grafana.said}`);
}

/**
 * Waits until Prometheus and Alertmanager say they are ready (a run's alerts need both), and Grafana
 * healthy where it runs (a view only: not being ready is said, not fatal).
 */
async function waitForMonitoring(engine: Engine, plan: Plan, grafana: boolean, say: Say, signal?: AbortSignal): Promise<void> {
  const m = plan.monitoring!;
  const parts = [
    { container: m.prometheus.container, port: PROMETHEUS_PORT, path: '/-/ready', needed: true, timeoutMs: 60_000 },
    { container: m.alertmanager.container, port: ALERTMANAGER_PORT, path: '/-/ready', needed: true, timeoutMs: 60_000 },
    ...(grafana ? [{ container: m.grafana.container, port: GRAFANA_PORT, path: '/api/health', needed: false, timeoutMs: 120_000 }] : []),
  ];
  await Promise.all(
    parts.map(async (p) => {
      const published = (await engine.inspect(p.container)).published.get(p.port);
      const outcome = await waitUntil(httpProbe(`http://${published}${p.path}`, 200), {
        timeoutMs: p.timeoutMs,
        everyMs: 250,
        say,
        signal,
        stop: async () => {
          const s = await engine.inspect(p.container);
          return s.running ? undefined : `it exited (code ${s.exitCode}${s.oomKilled ? ', out of memory' : ''})`;
        },
      });
      if (outcome.ready) return;
      const why = `${p.container} was not ready within ${p.timeoutMs / 1000} s (${outcome.last})`;
      if (!p.needed) return say(`${why}; carrying on without it`);
      const log = (await engine.logs(p.container, 12).catch(() => '')).trimEnd() || '(nothing logged)';
      throw new FedsimError(`${why}; its last log lines:\n${log}`);
    }),
  );
}

const grafanaDir = join(projectRoot, 'docker/grafana');

/**
 * Grafana, where its registry image can be had, provisioned with the federation's Prometheus and
 * fedsim's dashboard. Returns whether it runs and what to tell the user.
 */
async function startGrafana(engine: Engine, plan: Plan, imageSource: ImageSource, say: Say): Promise<{ started: boolean; said: string }> {
  const m = plan.monitoring!;
  const image = imageSource === 'local' ? undefined : await resolveImage(engine, 'grafana', imageSource, say).catch(() => undefined);
  if (!image) {
    const services = plan.services.filter((s) => s.datasource).map((s) => s.name);
    const also = services.length ? `; where it runs it gets a datasource per replica of ${services.join(', ')}` : '';
    return { started: false, said: `not run (no Grafana image can be had here; see docker/grafana/README.md)${also}` };
  }
  const home = plan.networks[0]!;
  const create = spec(plan, 'grafana', image.ref, GRAFANA_PORT);
  create.Env = [`FEDSIM_PROMETHEUS_URL=http://${m.prometheus.addresses[home.region]}:${PROMETHEUS_PORT}`];
  await engine.create(create);
  const files: Record<string, string> = {};
  for (const sub of ['provisioning/datasources', 'provisioning/dashboards', 'dashboards'])
    for (const f of readdirSync(join(grafanaDir, sub))) files[`${sub}/${f}`] = readFileSync(join(grafanaDir, sub, f), 'utf8');
  const services = grafanaServiceDatasources(plan);
  if (services) files['provisioning/datasources/services.yml'] = services;
  await engine.putFiles(m.grafana.container, '/etc/grafana', files);
  await engine.start(m.grafana.container);
  return { started: true, said: image.ref };
}

/** Where Prometheus and Alertmanager answer on this machine, from their published ports. */
export async function monitoringUrls(engine: Engine, plan: Plan): Promise<MonitoringUrls | undefined> {
  const m = plan.monitoring;
  if (!m) return undefined;
  const url = async (container: string, port: number) => {
    const info = await engine.inspect(container);
    const published = info.published.get(port);
    return published ? `http://${published}` : `(${container} is ${info.status})`;
  };
  const grafana = await url(m.grafana.container, GRAFANA_PORT).catch(() => undefined);
  return {
    prometheus: await url(m.prometheus.container, PROMETHEUS_PORT),
    alertmanager: await url(m.alertmanager.container, ALERTMANAGER_PORT),
    ...(grafana && { grafana }),
  };
}
