import { request } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { duration } from '../topology/duration.js';
import type { Plan, ReplicaPlan } from '../topology/plan.js';
import { userWorkloadName } from './command.js';
import type { ClusterInfo, HistoryWriter, Outcome } from './history.js';
import { Pacer } from './pacer.js';

/**
 * The `http` probe (Chaos Toolkit's HTTP probe, Litmus's httpProbe): a request to a service as a
 * client of a region sees it, at a rate, with an expected status and a timeout. `http://api:8080/x`
 * from region A is served by api's replica in A when there is one (nothing added), else by its
 * first replica, reached through A's gateway (the svc proxy the plan gives A for that replica's
 * port), so the request pays A -> B and the answer B -> A, and link faults cut it. Each replica
 * is a serving target of the history (a cluster-like entry of the meta line named after it), so
 * latency per pair and availability judge the probes as they judge fedsim's own operations.
 */
export const HttpProbeSchema = z.strictObject({
  kind: z.literal('http'),
  name: userWorkloadName,
  regions: z.array(z.string()).min(1).describe('the client regions that probe'),
  url: z
    .url({ protocol: /^http$/, error: 'expected an http:// URL whose host is a service or a replica' })
    .describe('as seen from a region: http://SERVICE:PORT/path (its nearest replica) or http://REPLICA:PORT/path'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  status: z
    .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
    .default(200)
    .describe('the status (or statuses) that count as ok'),
  rate: z.number().min(0.1).max(1000).default(2).describe('requests per second per region, at most'),
  timeout: duration(120_000).default(2000),
});
export type HttpProbe = z.output<typeof HttpProbeSchema>;

/** Where a probe from a region goes: the replica that serves it and the address fedsim connects to. */
export interface ProbeTarget {
  replica: ReplicaPlan;
  /** host:port as fedsim (on the host, which reaches every region's network) connects. */
  endpoint: string;
  path: string;
  /** The Host header: the name the URL gave. */
  host: string;
}

/** The replica a region's request to `url` reaches, and the path to it: direct inside the region, else through its gateway. */
export function probeTarget(plan: Plan, url: string, region: string): ProbeTarget {
  const u = new URL(url);
  const port = Number(u.port || 80);
  const named = plan.replicas.find((r) => r.name === u.hostname);
  const ofService = plan.replicas.filter((r) => r.service === u.hostname);
  const replica = named ?? ofService.find((r) => r.region === region) ?? ofService[0];
  if (!replica) throw new Error(`no service or replica named "${u.hostname}"`);
  if (!replica.ports.some((p) => p.port === port)) throw new Error(`${replica.service} does not declare port ${port}`);
  const path = `${u.pathname}${u.search}`;
  if (replica.region === region) return { replica, endpoint: `${replica.address}:${port}`, path, host: u.host };
  const gw = plan.gateways.find((g) => g.region === region)!;
  const proxy = gw.proxies.find((p) => p.kind === 'svc' && p.upstream === `${replica.address}:${port}`)!;
  return { replica, endpoint: `${gw.addresses[region]}:${proxy.listenPort}`, path, host: u.host };
}

/** Each replica as a serving target of the history: its region, itself as its one node, role `service`. */
export function replicaTargets(plan: Plan): Record<string, ClusterInfo> {
  return Object.fromEntries(
    plan.replicas.map((r) => [r.name, { regions: [r.region], nodes: { [r.name]: r.region }, role: 'service' } satisfies ClusterInfo]),
  );
}

export interface HttpOptions {
  history: HistoryWriter;
  clock: Clock;
  signal?: AbortSignal;
}

/** One request: the status, or why there was none (and whether it may still have been applied). */
function send(t: ProbeTarget, probe: HttpProbe): Promise<{ status?: number; error?: string; refused?: boolean }> {
  const [host, port] = t.endpoint.split(':') as [string, string];
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: t.path, method: probe.method, headers: { ...probe.headers, host: t.host } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode }));
        res.on('error', (err) => resolve({ error: err.message }));
      },
    );
    req.setTimeout(probe.timeout, () => req.destroy(new Error(`no answer within ${probe.timeout} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ error: err.code ? `${err.code}: ${err.message}` : err.message, refused: err.code === 'ECONNREFUSED' }),
    );
    req.end(probe.body);
  });
}

export class HttpRun {
  private stopping = false;
  private running?: Promise<void>;
  private readonly targets: Record<string, ProbeTarget>;
  private readonly ok: number[];

  constructor(
    plan: Plan,
    readonly probe: HttpProbe,
    private readonly opts: HttpOptions,
  ) {
    this.targets = Object.fromEntries(probe.regions.map((r) => [r, probeTarget(plan, probe.url, r)]));
    this.ok = [probe.status].flat();
  }

  /** Probes from every region until stop(); one request in flight per region (a probe, not a load). */
  start(): void {
    const { clock } = this.opts;
    this.running = Promise.all(
      this.probe.regions.map(async (region) => {
        const pacer = new Pacer(this.probe.rate, clock.now());
        while (!this.stopping && !this.opts.signal?.aborted) {
          const wait = pacer.due(clock.now()) - clock.now();
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
          if (this.stopping || this.opts.signal?.aborted) return;
          await this.once(region);
        }
      }),
    ).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async once(region: string): Promise<void> {
    const { history, clock } = this.opts;
    const target = this.targets[region]!;
    const id = history.nextId();
    const kind = `${this.probe.method} ${new URL(this.probe.url).pathname}`;
    history.add({
      type: 'invoke',
      id,
      t: clock.now(),
      region,
      kind,
      workspace: '',
      cluster: target.replica.name,
      workload: this.probe.name,
    });
    const r = await send(target, this.probe);
    let outcome: Outcome;
    let error: string | undefined;
    if (r.status !== undefined) {
      outcome = this.ok.includes(r.status) ? 'ok' : 'fail';
      if (outcome === 'fail') error = `HTTP ${r.status}`;
    } else {
      // No answer: a read certainly changed nothing; a write may have been applied unless refused.
      outcome = ['GET', 'HEAD'].includes(this.probe.method) || r.refused ? 'fail' : 'info';
      error = r.error;
    }
    history.add({ type: outcome, id, t: clock.now(), ...(error && { error: error.slice(0, 240) }) });
  }
}
