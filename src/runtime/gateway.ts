import { FedsimError, reason } from '../errors.js';
import type { GatewayPlan } from '../topology/plan.js';

/**
 * A region's gateway's Toxiproxy client (its container is a component record, components/gateway.ts).
 */

/** Creates the gateway's proxies and baseline toxics from the plan, once its API answers. */
export async function configureGateway(apiUrl: string, gw: GatewayPlan): Promise<void> {
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
