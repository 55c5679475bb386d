import { request } from 'node:http';
import type { Clock } from '../clock.js';
import { sleep } from '../common/sleep.js';
import type { Plan } from '../topology/plan.js';
import type { ClusterInfo, HistoryWriter, Outcome } from './history.js';
import type { HttpProbe } from './kinds.js';
import { Pacer } from './pacer.js';
import { type ProbeTarget, probeTarget } from './placement.js';

/**
 * The `http` probe (Chaos Toolkit's HTTP probe, Litmus's httpProbe): a request to a service as a
 * client of a region sees it, at a rate, with an expected status and a timeout. `http://api:8080/x`
 * from region A is served by api's replica in A when there is one (nothing added), else by its
 * first replica, reached through A's gateway (the svc proxy the plan gives A for that replica's
 * port), so the request pays A -> B and the answer B -> A, and link faults cut it. Each replica
 * is a serving target of the history (a cluster-like entry of the meta line named after it), so
 * latency per pair and availability judge the probes as they judge fedsim's own operations.
 */

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
          if (wait > 0) await sleep(wait);
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
