import type { MonitoringPlan, Plan } from '../../topology/plan.js';
import type { ContainerSpec, Engine } from '../engine.js';
import { federationLabels, LABEL } from '../labels.js';
import { httpProbe } from '../readiness.js';
import type { ReadyWhen } from './record.js';

/** What Prometheus, Alertmanager and Grafana share. */
export type MonitorRole = 'prometheus' | 'alertmanager' | 'grafana';

/** A monitoring container on the first region's network at its address, its port published on 127.0.0.1. */
export function monitorBase(plan: Plan, role: MonitorRole, image: string, port: number): ContainerSpec {
  const m = plan.monitoring!;
  const home = plan.networks[0]!;
  return {
    name: m[role].container,
    Image: image,
    Labels: federationLabels(plan.federation, { [LABEL.role]: role }),
    ExposedPorts: { [`${port}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Memory: 512 * 1024 * 1024,
    },
    NetworkingConfig: { EndpointsConfig: { [home.name]: { IPAMConfig: { IPv4Address: m[role].addresses[home.region] } } } },
  };
}

/** Every other region's network, at its address there: monitoring is out of band, no gateway between. */
export function monitorJoins(plan: Plan, role: MonitorRole): Record<string, string> {
  const m: MonitoringPlan = plan.monitoring!;
  return Object.fromEntries(plan.networks.slice(1).map((n) => [n.name, m[role].addresses[n.region]!]));
}

/** Ready when an HTTP path on its published port answers 200. */
export async function monitorReadiness(
  engine: Engine,
  plan: Plan,
  role: MonitorRole,
  at: { port: number; path: string; timeoutMs: number; required: boolean },
): Promise<ReadyWhen> {
  const container = plan.monitoring![role].container;
  const published = (await engine.inspect(container)).published.get(at.port);
  return {
    probe: httpProbe(`http://${published}${at.path}`, 200),
    timeoutMs: at.timeoutMs,
    everyMs: 250,
    required: at.required,
    notReady: ({ last, exit, timeoutMs }) =>
      `${container} was not ready within ${timeoutMs / 1000} s (${exit ? `it exited (code ${exit.code}${exit.oom ? ', out of memory' : ''})` : last})`,
  };
}
