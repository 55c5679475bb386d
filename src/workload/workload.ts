import type { Clock } from '../clock.js';
import { sleep } from '../common/sleep.js';
import { FedsimError, reason } from '../errors.js';
import { type CqlClient, type CqlOptions, type CqlResult, consistencyLevel as consistency, provablyNotApplied } from '../runtime/cql.js';
import { type ClusterPlan, type Plan, REGISTRY_KEYSPACE } from '../topology/plan.js';
import type { Topology } from '../topology/schema.js';
import { OpGenerator, type PlannedOp } from './generator.js';
import type { ClusterInfo, HistoryWriter, MetaLine, Outcome } from './history.js';
import { Pacer } from './pacer.js';
import type { Consistency, Levels, Workload } from './spec.js';

/**
 * Runs a workload through the real cassandra-driver, each region's clients through their own
 * gateway, and records every operation in the history. The federation model of the seeds: a
 * workspace is created in its creator's region's cluster and recorded in the registry on the Main
 * Cluster; every later request for it is routed by a registry lookup, cached as a platform router
 * would. In a stretched cluster every request goes to the client's local datacenter.
 */

/**
 * What the workload needs of a running federation, declared here so that the workload depends on
 * this much and not on the runtime's Federation class (which satisfies it).
 */
export interface FederationView {
  readonly name: string;
  readonly plan: Plan;
  readonly topology: Pick<Topology, 'keyspaces'>;
  /** Per region: node address -> host endpoint through that region's gateway. */
  readonly endpoints: Record<string, Record<string, string>>;
  cluster(name?: string): ClusterPlan;
  mainCluster(): ClusterPlan | undefined;
  /** A CQL session on one cluster as a client in `region` sees it; the same one on every call. */
  client(region: string, cluster?: string): CqlClient;
  /** The pid holding the region's client network namespace (created on first use), for a program to enter. */
  clientNamespace(region: string): Promise<number>;
}
/** A kind's one level; with a mix of levels each operation brings its own (atLevel). */
const single = (levels: Levels): CqlOptions => (typeof levels === 'string' ? { consistency: consistency(levels) } : {});
/** The statement's options, at the operation's own level when the workload mixes levels. */
const atLevel = (options: CqlOptions, level?: Consistency): CqlOptions =>
  level ? { ...options, consistency: consistency(level) } : options;

export const ELEMENTS_TABLE = 'elements';

/** The keyspace the workload writes to: the one it names, else the topology's first. */
export function workloadKeyspace(fed: FederationView, workload: Workload): string {
  const ks = workload.keyspace ?? fed.topology.keyspaces[0]?.name;
  if (!ks) throw new FedsimError('The workload needs a keyspace: declare one under `keyspaces:` in the topology.');
  if (!fed.topology.keyspaces.some((k) => k.name === ks))
    throw new FedsimError(
      `The workload's keyspace "${ks}" is not in the topology; it has ${fed.topology.keyspaces.map((k) => k.name).join(', ')}.`,
    );
  return ks;
}

export function historyMeta(fed: FederationView, workload: Workload, clock: Clock): MetaLine {
  const clusters: Record<string, ClusterInfo> = {};
  for (const c of fed.plan.clusters) {
    clusters[c.name] = {
      regions: c.regions,
      role: c.role,
      nodes: Object.fromEntries(fed.plan.nodes.filter((n) => n.cluster === c.name).map((n) => [n.name, n.region])),
    };
  }
  return {
    type: 'meta',
    federation: fed.name,
    shape: fed.plan.shape,
    regions: fed.plan.regions,
    clusters,
    workload,
    startedAt: clock.startedAt.toISOString(),
  };
}

/** Creates the workload's table in every cluster that has the keyspace. */
export async function prepareTables(fed: FederationView, workload: Workload): Promise<void> {
  const ks = workloadKeyspace(fed, workload);
  for (const c of fed.plan.clusters) {
    if (!c.keyspaces.some((k) => k.name === ks)) continue;
    await fed
      .client(c.regions[0]!, c.name)
      .execute(`CREATE TABLE IF NOT EXISTS ${ks}.${ELEMENTS_TABLE} (workspace text, element bigint, PRIMARY KEY (workspace, element))`);
  }
}

/** The cluster a region's new workspaces live in: its own (a worker before the main), else the Main Cluster. */
function homeClusterOf(fed: FederationView, region: string): string {
  const here = fed.plan.clusters.filter((c) => c.regions.includes(region));
  const pick = here.find((c) => c.role !== 'main') ?? here[0] ?? fed.mainCluster() ?? fed.plan.clusters[0]!;
  return pick.name;
}

/**
 * Write outcomes: only an error that proves the write was not applied is a fail (the coordinator
 * refused it, or no host was reached, or every host tried refused it); the rest is unknown.
 */
export function writeOutcome(err: unknown): Outcome {
  return provablyNotApplied(err) ? 'fail' : 'info';
}

function describe(err: unknown): string {
  const e = err as Error;
  return `${e.name ?? 'Error'}: ${reason(err)}`.slice(0, 240);
}

/** The platform router of one region: workspace -> home cluster, from the registry, cached. */
class Router {
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly fed: FederationView,
    private readonly region: string,
    private readonly workload: Workload,
  ) {}

  learn(workspace: string, cluster: string): void {
    this.cache.set(workspace, cluster);
  }

  /** The home already known (or, in a stretched cluster, the one cluster); no request made. */
  cached(workspace: string): string | undefined {
    return this.fed.plan.shape === 'stretched' ? this.fed.plan.clusters[0]!.name : this.cache.get(workspace);
  }

  async home(workspace: string): Promise<string> {
    const cached = this.cached(workspace);
    if (cached) return cached;
    const main = this.fed.mainCluster()!;
    const rs = await this.fed
      .client(this.region, main.name)
      .execute(`SELECT cluster FROM ${REGISTRY_KEYSPACE}.workspaces WHERE id = ?`, [workspace], {
        consistency: consistency(this.workload.consistency.registry),
        readTimeout: this.workload.timeout,
      });
    const cluster = rs.first()?.cluster as string | undefined;
    if (!cluster) throw new FedsimError(`workspace ${workspace} is not in the registry`);
    this.cache.set(workspace, cluster);
    return cluster;
  }
}

export interface WorkloadOptions {
  clock: Clock;
  history: HistoryWriter;
  signal?: AbortSignal;
}

/** Drives the workload; resolves when its duration is over (or the signal fires) and nothing is in flight. */
export class WorkloadRun {
  /** Creates that failed or have an unknown outcome: their creator tries again before using the workspace. */
  private readonly uncreated = new Map<string, PlannedOp>();
  private readonly ks: string;
  /** Per region: gateway endpoint -> node name, to name the coordinator the driver reports. */
  private readonly nodeAt: Record<string, Map<string, string>> = {};
  private readonly routers: Record<string, Router> = {};
  private readonly generators: Record<string, OpGenerator> = {};
  /** Statements and their options, made once: this is the workload's hot path. */
  private readonly cql: Record<'create' | 'write' | 'read' | 'readAll', { query: string; options: CqlOptions }>;
  readonly regions: string[];

  constructor(
    private readonly fed: FederationView,
    private readonly workload: Workload,
    private readonly opts: WorkloadOptions,
  ) {
    this.ks = workloadKeyspace(fed, workload);
    const c = workload.consistency;
    const base = { readTimeout: workload.timeout, prepare: true };
    const table = `${this.ks}.${ELEMENTS_TABLE}`;
    this.cql = {
      create: {
        query: `INSERT INTO ${REGISTRY_KEYSPACE}.workspaces (id, cluster, created_at) VALUES (?, ?, toTimestamp(now()))`,
        options: { ...base, consistency: consistency(c.registry) },
      },
      write: { query: `INSERT INTO ${table} (workspace, element) VALUES (?, ?)`, options: { ...base, ...single(c.write) } },
      read: {
        query: `SELECT element FROM ${table} WHERE workspace = ? AND element = ?`,
        options: { ...base, ...single(c.read), isIdempotent: true },
      },
      readAll: {
        query: `SELECT element FROM ${table} WHERE workspace = ?`,
        options: { ...base, ...single(c.read), isIdempotent: true },
      },
    };
    this.regions = workload.regions ?? fed.plan.regions;
    for (const r of this.regions) {
      if (!fed.plan.regions.includes(r))
        throw new FedsimError(`The workload names region "${r}", which the topology does not have; it has ${fed.plan.regions.join(', ')}.`);
    }
    for (const region of this.regions) {
      const byEndpoint = new Map<string, string>();
      for (const n of fed.plan.nodes) byEndpoint.set(fed.endpoints[region]![n.address]!, n.name);
      this.nodeAt[region] = byEndpoint;
      this.routers[region] = new Router(fed, region, workload);
      const remote = this.regions
        .filter((r) => r !== region)
        .flatMap((r) => Array.from({ length: workload.workspaces }, (_, i) => `${r}-w${i}`));
      this.generators[region] = new OpGenerator(workload, region, fed.plan.regions.indexOf(region), remote);
    }
  }

  /** Creates each region's initial workspaces (recorded in the history like any operation). */
  async setup(): Promise<void> {
    await prepareTables(this.fed, this.workload);
    await Promise.all(
      this.regions.map(async (region) => {
        for (const op of this.generators[region]!.initial()) await this.execute(region, op);
      }),
    );
  }

  /** Runs for `ms` (default: the workload's duration) at its rate and concurrency in every region. */
  async run(ms = this.workload.duration): Promise<void> {
    const { clock, signal } = this.opts;
    const end = clock.now() + ms;
    await Promise.all(
      this.regions.map(async (region) => {
        const pacer = new Pacer(this.workload.rate, clock.now());
        const worker = async () => {
          for (;;) {
            if (signal?.aborted || clock.now() >= end) return;
            const due = pacer.due(clock.now());
            const op = this.generators[region]!.next();
            const wait = due - clock.now();
            if (wait > 0) await sleep(wait);
            if (signal?.aborted || clock.now() >= end) return;
            await this.execute(region, op);
          }
        };
        await Promise.all(Array.from({ length: this.workload.concurrency }, worker));
      }),
    );
  }

  private readonly sessions = new Map<string, Map<string, CqlClient>>();

  /** The federation's session of a region on a cluster, looked up once per pair. */
  private client(region: string, cluster: string): CqlClient {
    let byCluster = this.sessions.get(region);
    if (!byCluster) {
      byCluster = new Map();
      this.sessions.set(region, byCluster);
    }
    let c = byCluster.get(cluster);
    if (!c) {
      c = this.fed.client(region, cluster);
      byCluster.set(cluster, c);
    }
    return c;
  }

  private async execute(region: string, planned: PlannedOp): Promise<void> {
    const { clock, history } = this.opts;
    const op = this.uncreated.get(planned.workspace) ?? planned;
    const id = history.nextId();
    const t = clock.now();
    const router = this.routers[region]!;
    let cluster: string | undefined;
    if (op.kind === 'create') cluster = this.fed.mainCluster()?.name ?? this.fed.plan.clusters[0]!.name;
    else cluster = router.cached(op.workspace);
    if (!cluster) {
      try {
        cluster = await router.home(op.workspace);
      } catch (err) {
        history.add({ type: 'invoke', id, t, region, kind: op.kind, workspace: op.workspace, cluster: this.fed.mainCluster()!.name });
        history.add({ type: 'fail', id, t: clock.now(), error: `routing: ${describe(err)}` });
        return;
      }
    }
    history.add({
      type: 'invoke',
      id,
      t,
      region,
      kind: op.kind,
      workspace: op.workspace,
      cluster,
      element: op.element,
      ...(op.consistency && { consistency: op.consistency }),
    });
    const client = this.client(region, cluster);
    try {
      let rs: CqlResult;
      let elements: number[] | undefined;
      if (op.kind === 'create') {
        if (this.fed.plan.shape === 'stretched') {
          history.add({ type: 'ok', id, t: clock.now() });
          return;
        }
        const home = op.central ? cluster : homeClusterOf(this.fed, region);
        this.uncreated.set(op.workspace, op);
        rs = await client.execute(this.cql.create.query, [op.workspace, home], this.cql.create.options);
        this.uncreated.delete(op.workspace);
        router.learn(op.workspace, home);
      } else if (op.kind === 'write') {
        rs = await client.execute(this.cql.write.query, [op.workspace, op.element], atLevel(this.cql.write.options, op.consistency));
      } else {
        const { query, options } = op.kind === 'read' ? this.cql.read : this.cql.readAll;
        const params = op.kind === 'read' ? [op.workspace, op.element] : [op.workspace];
        rs = await client.execute(query, params, atLevel(options, op.consistency));
        elements = rs.rows.map((r) => Number(r.element));
      }
      history.add({ type: 'ok', id, t: clock.now(), coordinator: this.nodeAt[region]!.get(rs.info.queriedHost), elements });
    } catch (err) {
      const outcome = op.kind === 'read' || op.kind === 'read-all' ? 'fail' : writeOutcome(err);
      // A create is a registry write: say so, since its cluster is the Main Cluster, not the workspace's home.
      const error = op.kind === 'create' ? `registry on ${cluster}: ${describe(err)}` : describe(err);
      history.add({ type: outcome, id, t: clock.now(), error });
    }
  }

  /**
   * After heal: the registry as it ended, a read of every workspace in its home cluster at the final
   * consistency level, and which workspaces each cluster holds. Each is retried a few times, since a
   * node that just came back may still be joining.
   */
  async observe(): Promise<void> {
    const { clock, history } = this.opts;
    const final = { consistency: consistency(this.workload.consistency.final), readTimeout: 20_000, prepare: true };
    const main = this.fed.mainCluster();
    const created = [...new Set(history.history.ops.filter((o) => o.kind === 'create').map((o) => o.workspace))];
    let homes: Record<string, string>;
    if (main) {
      const rows = await retried(async () => {
        const out: Record<string, string> = {};
        for await (const row of await this.fed
          .client(main.regions[0]!, main.name)
          .execute(`SELECT id, cluster FROM ${REGISTRY_KEYSPACE}.workspaces`, [], final))
          out[row.id as string] = row.cluster as string;
        return out;
      });
      homes = rows ?? {};
      // An unread registry is said so: an empty one would be evidence that every create was lost.
      history.add({ type: 'registry', t: clock.now(), workspaces: homes, ...(!rows && { error: 'not readable after 5 tries' }) });
    } else {
      homes = Object.fromEntries(created.map((w) => [w, this.fed.plan.clusters[0]!.name]));
    }
    // A workspace the registry lost is read back too, where its last operation was sent.
    const sentTo = new Map(history.history.ops.filter((o) => o.kind !== 'create').map((o) => [o.workspace, o.cluster]));
    const queue = created.filter((w) => homes[w] ?? sentTo.get(w));
    const readOne = async (workspace: string) => {
      const cluster = this.fed.cluster(homes[workspace] ?? sentTo.get(workspace));
      try {
        const elements = await retried(async () => {
          const out: number[] = [];
          for await (const row of await this.fed
            .client(cluster.regions[0]!, cluster.name)
            .execute(`SELECT element FROM ${this.ks}.${ELEMENTS_TABLE} WHERE workspace = ?`, [workspace], final))
            out.push(Number(row.element));
          return out;
        }, true);
        history.add({ type: 'final-read', t: clock.now(), workspace, cluster: cluster.name, elements: elements! });
      } catch (err) {
        history.add({ type: 'final-read', t: clock.now(), workspace, cluster: cluster.name, error: describe(err) });
      }
    };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let w = queue.shift(); w; w = queue.shift()) await readOne(w);
      }),
    );
    for (const c of this.fed.plan.clusters) {
      if (!c.keyspaces.some((k) => k.name === this.ks)) continue;
      try {
        const workspaces = await retried(async () => {
          const out: string[] = [];
          for await (const row of await this.fed
            .client(c.regions[0]!, c.name)
            .execute(`SELECT DISTINCT workspace FROM ${this.ks}.${ELEMENTS_TABLE}`, [], final))
            out.push(row.workspace as string);
          return out.sort();
        }, true);
        history.add({ type: 'residency', t: clock.now(), cluster: c.name, workspaces: workspaces! });
      } catch (err) {
        history.add({ type: 'residency', t: clock.now(), cluster: c.name, error: describe(err) });
      }
    }
  }
}

/** Tries `f` up to 5 times, 2 s apart; the last error is thrown when `rethrow`, else undefined. */
async function retried<T>(f: () => Promise<T>, rethrow = false): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (err) {
      if (attempt >= 5) {
        if (rethrow) throw err;
        return undefined;
      }
      await sleep(2000);
    }
  }
}
