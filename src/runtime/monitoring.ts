import type { Say } from '../common/say.js';
import { ALERTMANAGER_PORT, GRAFANA_PORT, type Plan, PROMETHEUS_PORT } from '../topology/plan.js';
import { awaitReady, type CatalogRecord, MONITORING, place } from './components/index.js';
import type { Engine } from './engine.js';
import { type ImageSource, type ResolvedImage, resolveImage } from './images.js';

/**
 * Monitoring of a federation (`monitoring: on`): Prometheus, Alertmanager and Grafana, each a
 * component record (components/), attached to the regions' networks and published on 127.0.0.1.
 */
export interface MonitoringUrls {
  prometheus: string;
  alertmanager: string;
  /** Absent where no Grafana image can be had (see docker/grafana/README.md). */
  grafana?: string;
}

/**
 * Places the monitoring records (components/index.ts MONITORING) and waits until each is ready by
 * its readiness: Prometheus and Alertmanager must be (a run's alerts need both), Grafana is a view.
 */
export async function startMonitoring(engine: Engine, plan: Plan, imageSource: ImageSource, say: Say, signal?: AbortSignal): Promise<void> {
  if (!plan.monitoring) return;
  const placed: { record: CatalogRecord<void>; container: string; image: ResolvedImage }[] = [];
  for (const { record, optional } of MONITORING) {
    const resolving = resolveImage(engine, record.image, imageSource, say);
    const image = optional ? await resolving.catch(() => undefined) : await resolving;
    if (!image) continue;
    placed.push({ record, image, container: await place(engine, plan, record, undefined, image) });
  }
  await Promise.all(placed.map((p) => awaitReady(engine, plan, p.record, undefined, p.container, { say, signal })));
  const ref = (name: string) => placed.find((p) => p.record.image === name)?.image.ref;
  say(
    `monitoring: Prometheus (${ref('prometheus')}), Alertmanager (${ref('alertmanager')}), Grafana: ${ref('grafana') ?? grafanaMissing(plan)}`,
  );
}

/** What is said where Grafana does not run. */
function grafanaMissing(plan: Plan): string {
  const services = plan.services.filter((s) => s.datasource).map((s) => s.name);
  const also = services.length ? `; where it runs it gets a datasource per replica of ${services.join(', ')}` : '';
  return `not run (no Grafana image can be had here; see docker/grafana/README.md)${also}`;
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
