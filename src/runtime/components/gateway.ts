import type { GatewayPlan } from '../../topology/plan.js';
import type { Engine } from '../engine.js';
import { configureGateway } from '../gateway.js';
import { federationLabels, LABEL } from '../labels.js';
import { httpProbe } from '../readiness.js';
import type { CatalogRecord, ReadyWhen } from './record.js';

/** A gateway as bring-up places it: its plan and the topology it carries for `attach`. */
export type GatewayPart = GatewayPlan & { topologyJson: string };

/** Where a gateway's Toxiproxy API answers on this machine. */
async function apiUrl(engine: Engine, gw: GatewayPlan): Promise<string> {
  return `http://${(await engine.inspect(gw.container)).published.get(gw.apiPort)}`;
}

/** A gateway is ready when its Toxiproxy API answers (on Docker's published port or a Kubernetes forward). */
export function gatewayApiReadiness(gw: GatewayPlan, url: string): ReadyWhen {
  return {
    probe: httpProbe(`${url}/version`, 200),
    timeoutMs: 20_000,
    everyMs: 100,
    required: true,
    notReady: ({ exit, timeoutMs }) =>
      exit
        ? `The gateway of ${gw.region} exited (code ${exit.code})`
        : `The gateway of ${gw.region} did not answer at ${url} within ${timeoutMs / 1000} s`,
  };
}

/**
 * A region's gateway: a Toxiproxy through which every path that crosses a region boundary flows.
 * It joins every region's network; once its API answers, its proxies and baseline toxics are made
 * from the plan (faults add toxics of their own names).
 */
export const gateway: CatalogRecord<GatewayPart> = {
  image: 'toxiproxy',
  container: (plan, gw, image) => {
    const cqlPorts = gw.proxies.filter((p) => p.kind === 'cql').map((p) => `${p.listenPort}/tcp`);
    const published = [`${gw.apiPort}/tcp`, ...cqlPorts];
    const home = plan.networks.find((n) => n.region === gw.region)!;
    return {
      name: gw.container,
      Image: image.ref,
      Hostname: `gw-${gw.region}`,
      Labels: federationLabels(plan.federation, {
        [LABEL.role]: 'gateway',
        [LABEL.region]: gw.region,
        // The topology travels with the federation, so another process can re-plan it exactly.
        [LABEL.topology]: gw.topologyJson,
        [LABEL.slot]: String(plan.slot),
      }),
      ExposedPorts: Object.fromEntries(published.map((p) => [p, {}])),
      HostConfig: {
        // Published on loopback only, each on a port the engine picks.
        PortBindings: Object.fromEntries(published.map((p) => [p, [{ HostIp: '127.0.0.1', HostPort: '' }]])),
        Memory: 128 * 1024 * 1024,
        // NET_ADMIN: `loss` on a link drops packets with iptables in the gateway's network namespace.
        CapAdd: ['NET_ADMIN'],
      },
      NetworkingConfig: { EndpointsConfig: { [home.name]: { IPAMConfig: { IPv4Address: gw.addresses[gw.region] } } } },
    };
  },
  joins: (plan, gw) =>
    Object.fromEntries(plan.networks.filter((n) => n.region !== gw.region).map((n) => [n.name, gw.addresses[n.region]!])),
  readiness: async (engine, _plan, gw) => gatewayApiReadiness(gw, await apiUrl(engine, gw)),
  configure: async (engine, _plan, gw) => configureGateway(await apiUrl(engine, gw), gw),
};
