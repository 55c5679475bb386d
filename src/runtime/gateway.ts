import { FedsimError, reason } from '../errors.js';
import type { GatewayPlan, Plan } from '../topology/plan.js';
import type { ContainerSpec } from './engine.js';
import { federationLabels, LABEL } from './labels.js';
import { httpProbe, waitUntil } from './readiness.js';

/**
 * A region's gateway: a Toxiproxy through which every path that crosses a region boundary flows.
 * Its proxies and baseline toxics come from the plan; faults add toxics of their own names.
 */
export function gatewayContainerSpec(plan: Plan, gw: GatewayPlan, image: string, topologyJson: string): ContainerSpec {
  const cqlPorts = gw.proxies.filter((p) => p.kind === 'cql').map((p) => `${p.listenPort}/tcp`);
  const published = [`${gw.apiPort}/tcp`, ...cqlPorts];
  const home = plan.networks.find((n) => n.region === gw.region)!;
  return {
    name: gw.container,
    Image: image,
    Hostname: `gw-${gw.region}`,
    Labels: federationLabels(plan.federation, {
      [LABEL.role]: 'gateway',
      [LABEL.region]: gw.region,
      // The topology travels with the federation, so another process can re-plan it exactly.
      [LABEL.topology]: topologyJson,
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
}

/** Creates the gateway's proxies and baseline toxics; waits for its API first. */
export async function configureGateway(apiUrl: string, gw: GatewayPlan, signal?: AbortSignal): Promise<void> {
  const outcome = await waitUntil(httpProbe(`${apiUrl}/version`, 200), { timeoutMs: 20_000, everyMs: 100, signal });
  if (!outcome.ready) throw new FedsimError(`The gateway of ${gw.region} did not answer at ${apiUrl} within 20 s.`);
  const api = new GatewayApi(gw.region, apiUrl);
  try {
    await api.populate(gw.proxies.map((p) => ({ name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream, enabled: true })));
    await Promise.all(
      gw.proxies.map(async (p) => {
        for (const t of p.toxics) await api.addToxic(p.name, { name: t.name, type: t.type, stream: t.stream, attributes: t.attributes });
      }),
    );
  } catch (err) {
    throw new FedsimError(`Configuring the gateway of ${gw.region} failed: ${reason(err)}`);
  }
}

export interface GatewayToxic {
  name: string;
  type: string;
  stream: 'upstream' | 'downstream';
  attributes: Record<string, number>;
}

export interface GatewayProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: GatewayToxic[];
}

/**
 * fedsim's one Toxiproxy client: the few calls bring-up and faults make, each one HTTP request (a
 * toxic should take effect within tens of milliseconds of being asked for).
 */
export class GatewayApi {
  constructor(
    readonly region: string,
    private readonly url: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new FedsimError(`The gateway of ${this.region} (${this.url}) does not answer: ${reason(err)}`);
    }
    if (method === 'DELETE' && res.status === 404) return undefined;
    if (!res.ok)
      throw new FedsimError(`The gateway of ${this.region} refused ${method} ${path}: ${res.status} ${(await res.text()).trim()}`);
    return res.status === 204 ? undefined : res.json();
  }

  /** Creates the proxies (or replaces those of the same names). */
  async populate(proxies: Omit<GatewayProxy, 'toxics'>[]): Promise<void> {
    await this.call('POST', '/populate', proxies);
  }

  async proxies(): Promise<GatewayProxy[]> {
    return Object.values((await this.call('GET', '/proxies')) as Record<string, GatewayProxy>);
  }

  async addToxic(proxy: string, toxic: GatewayToxic): Promise<void> {
    await this.call('POST', `/proxies/${proxy}/toxics`, { ...toxic, toxicity: 1 });
  }

  /** A toxic's attributes changed in place (Toxiproxy's toxic update): no connection is cut. */
  async updateToxic(proxy: string, toxic: string, attributes: Record<string, number>): Promise<void> {
    await this.call('POST', `/proxies/${proxy}/toxics/${toxic}`, { attributes });
  }

  /** Idempotent: a toxic that is already gone is fine. */
  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.call('DELETE', `/proxies/${proxy}/toxics/${toxic}`);
  }

  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    await this.call('POST', `/proxies/${proxy}`, { enabled });
  }
}
