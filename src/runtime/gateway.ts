import { Toxiproxy } from 'toxiproxy-node-client';
import { FedsimError, reason } from '../errors.js';
import type { GatewayPlan, Plan } from '../topology/plan.js';
import type { ContainerSpec } from './engine.js';
import { federationLabels, LABEL } from './labels.js';

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
  const deadline = Date.now() + 20_000;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const r = await fetch(`${apiUrl}/version`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new FedsimError(`The gateway of ${gw.region} did not answer at ${apiUrl} within 20 s.`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const tp = new Toxiproxy(apiUrl);
  try {
    await tp.populate(gw.proxies.map((p) => ({ name: p.name, listen: `0.0.0.0:${p.listenPort}`, upstream: p.upstream, enabled: true })));
    await Promise.all(
      gw.proxies.map(async (p) => {
        if (!p.toxics.length) return;
        const proxy = await tp.get(p.name);
        for (const t of p.toxics)
          await proxy.addToxic({ name: t.name, type: t.type, stream: t.stream, toxicity: 1, attributes: t.attributes });
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
 * The few Toxiproxy calls faults make, each one HTTP request: toxiproxy-node-client drops the
 * toxics from its proxy listings and reads a proxy before every change, and a toxic should take
 * effect within tens of milliseconds of being asked for.
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

  async proxies(): Promise<GatewayProxy[]> {
    return Object.values((await this.call('GET', '/proxies')) as Record<string, GatewayProxy>);
  }

  async addToxic(proxy: string, toxic: GatewayToxic): Promise<void> {
    await this.call('POST', `/proxies/${proxy}/toxics`, { ...toxic, toxicity: 1 });
  }

  /** Idempotent: a toxic that is already gone is fine. */
  async removeToxic(proxy: string, toxic: string): Promise<void> {
    await this.call('DELETE', `/proxies/${proxy}/toxics/${toxic}`);
  }

  async setEnabled(proxy: string, enabled: boolean): Promise<void> {
    await this.call('POST', `/proxies/${proxy}`, { enabled });
  }
}
