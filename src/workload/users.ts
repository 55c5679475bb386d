import type { Clock } from '../clock.js';
import { CQL_PORT } from '../topology/plan.js';
import { localDatacenter } from '../topology/replicas.js';
import { CommandRun } from './command.js';
import { CqlRun } from './cql.js';
import type { HistoryWriter } from './history.js';
import { HttpRun } from './http.js';
import type { UserWorkload } from './kinds.js';
import { regionCluster } from './placement.js';
import type { FederationView } from './workload.js';

/**
 * The scenario's own workloads (`workloads:`) as the runner sees them: checked against the planned
 * topology before any engine call, started with the warm-up, stopped at the end of the run. Each
 * records its operations in the run's history, where the same checkers judge them.
 */

export interface UserWorkloadOptions {
  history: HistoryWriter;
  clock: Clock;
  /** The scenario file's folder: commands run there. */
  cwd: string;
  /** The run folder. */
  dir?: string;
  /** Warm-up plus run, in ms: how long a program is asked to produce operations. */
  lasts: number;
  /** The run's seed: cql workloads draw their values from it. */
  seed: number;
  signal?: AbortSignal;
}

export class UserWorkloads {
  private readonly commands: CommandRun[] = [];
  private readonly cql: CqlRun[] = [];
  private readonly probes: HttpRun[] = [];

  constructor(
    private readonly fed: FederationView,
    private readonly workloads: UserWorkload[],
    private readonly opts: UserWorkloadOptions,
  ) {}

  /** Starts every workload (with the warm-up), after the cql workloads' setup statements. */
  async start(): Promise<void> {
    const { fed, opts } = this;
    const targets = [...fed.plan.clusters.map((c) => c.name), ...fed.plan.replicas.map((r) => r.name)];
    for (const [i, w] of this.workloads.entries()) {
      if (w.kind === 'http') {
        this.probes.push(new HttpRun(fed.plan, w, { history: opts.history, clock: opts.clock, signal: opts.signal }));
        continue;
      }
      if (w.kind === 'cql') {
        const run = new CqlRun(fed, w, {
          history: opts.history,
          clock: opts.clock,
          seed: opts.seed * 31 + i,
          clusterOf: (region) => w.cluster ?? regionCluster(fed.plan, region),
          signal: opts.signal,
        });
        await run.setup();
        this.cql.push(run);
        continue;
      }
      const cluster = w.cluster ?? regionCluster(fed.plan, w.region);
      // A command's operations may be served by a service replica instead (placement allows it): no nodes then.
      const db = fed.plan.clusters.some((c) => c.name === cluster) ? fed.cluster(cluster) : undefined;
      const nodes = new Set(db?.nodes ?? []);
      const here = fed.plan.clients.find((c) => c.region === w.region)!;
      const env = {
        ...(w.wan ? here.env : {}),
        FEDSIM_FEDERATION: fed.name,
        FEDSIM_WORKLOAD: w.name,
        FEDSIM_REGION: w.region,
        FEDSIM_CLUSTER: cluster,
        ...(db && { FEDSIM_DATACENTER: localDatacenter(db, w.region) }),
        // In its region's namespace: the nodes' own addresses (a default driver pays the links to
        // other regions). On the host: the nodes through the region's gateway, as published.
        FEDSIM_CONTACT_POINTS: fed.plan.nodes
          .filter((n) => nodes.has(n.name))
          .map((n) => (w.wan ? `${n.address}:${CQL_PORT}` : fed.endpoints[w.region]![n.address]!))
          .join(','),
        FEDSIM_SECONDS: String(Math.round(opts.lasts / 1000)),
      };
      this.commands.push(
        new CommandRun(w, {
          history: opts.history,
          clock: opts.clock,
          cwd: opts.cwd,
          dir: opts.dir,
          regions: fed.plan.regions,
          clusters: targets,
          cluster,
          env,
          netns: w.wan ? await fed.clientNamespace(w.region) : undefined,
        }),
      );
    }
    for (const c of [...this.cql, ...this.probes]) c.start();
  }

  /** The end of the run: every workload stopped, and how each command ended in the history. */
  async stop(): Promise<void> {
    await Promise.all([...this.commands.map((c) => c.stop()), ...[...this.cql, ...this.probes].map((c) => c.stop())]);
  }

  /** Interrupted or failed: everything ends at once. */
  kill(): void {
    for (const c of this.commands) c.kill();
    // Their statements end within their timeout; none starts after this.
    for (const c of [...this.cql, ...this.probes]) void c.stop();
  }
}
