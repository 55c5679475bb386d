import type { Clock } from '../clock.js';
import { seededRandom } from '../common/random.js';
import { sleep } from '../common/sleep.js';
import { FedsimError, reason } from '../errors.js';
import { consistencyLevel, cqlValue } from '../runtime/cql.js';
import type { HistoryWriter } from './history.js';
import { type CqlWorkload, PLACEHOLDER, type Value } from './kinds.js';
import { Pacer } from './pacer.js';
import { type FederationView, writeOutcome } from './workload.js';

/**
 * The `cql` workload: your own statements, with generated values, at a consistency level, from
 * chosen regions through fedsim's region clients (so they pay the links), at a rate and a
 * concurrency. Placeholders become bound values of a prepared statement, never text in the query:
 * `{{uuid}}`, `{{timeuuid}}`, `{{int}}`, `{{text}}`, `{{region}}` and `{{workspace}}` (one of the
 * client region's workspaces, `<region>-w<n>`, recorded as the operation's workspace).
 */

interface Prepared {
  f: string;
  query: string;
  values: Value[];
  write: boolean;
}

/** A statement's query with `?` for each placeholder, and the values to bind in order. */
export function prepareStatement(cql: string): { query: string; values: Value[] } {
  const values: Value[] = [];
  const query = cql.replace(PLACEHOLDER, (_, v: Value) => {
    values.push(v);
    return '?';
  });
  return { query, values };
}

export interface CqlOptions {
  history: HistoryWriter;
  clock: Clock;
  seed: number;
  /** The cluster each region's statements go to. */
  clusterOf: (region: string) => string;
  signal?: AbortSignal;
}

export class CqlRun {
  private readonly statements: Prepared[];
  private readonly total: number;
  private stopping = false;
  private running?: Promise<void>;

  constructor(
    private readonly fed: FederationView,
    readonly spec: CqlWorkload,
    private readonly opts: CqlOptions,
  ) {
    this.statements = spec.statements.map((s) => ({
      f: s.f,
      ...prepareStatement(s.cql),
      write: !/^\s*select\b/i.test(s.cql),
    }));
    this.total = spec.statements.reduce((sum, s) => sum + s.weight, 0);
  }

  /** Its setup statements, once on each cluster it uses; a failure stops the run before it starts. */
  async setup(): Promise<void> {
    const done = new Set<string>();
    for (const region of this.spec.regions) {
      const cluster = this.opts.clusterOf(region);
      if (done.has(cluster)) continue;
      done.add(cluster);
      for (const [i, q] of this.spec.setup.entries()) {
        try {
          await this.fed.client(region, cluster).execute(q, [], { readTimeout: 30_000 });
        } catch (err) {
          throw new FedsimError(`cql workload ${this.spec.name}: setup[${i}] failed on ${cluster}: ${reason(err)}`);
        }
      }
    }
  }

  /** Runs until stop(), every region at the rate and concurrency. */
  start(): void {
    const { clock } = this.opts;
    this.running = Promise.all(
      this.spec.regions.map(async (region, r) => {
        const random = seededRandom((this.opts.seed * 1_000_003 + r * 7919 + 17) >>> 0);
        const pacer = new Pacer(this.spec.rate, clock.now());
        const worker = async () => {
          while (!this.stopping && !this.opts.signal?.aborted) {
            const wait = pacer.due(clock.now()) - clock.now();
            if (wait > 0) await sleep(wait);
            if (this.stopping || this.opts.signal?.aborted) return;
            await this.execute(region, random);
          }
        };
        await Promise.all(Array.from({ length: this.spec.concurrency }, worker));
      }),
    ).then(() => undefined);
  }

  /** The end of the run: no new statement starts; resolves when those in flight are recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private pick(random: () => number): Prepared {
    let x = random() * this.total;
    for (const [i, s] of this.spec.statements.entries()) {
      x -= s.weight;
      if (x < 0) return this.statements[i]!;
    }
    return this.statements.at(-1)!;
  }

  private async execute(region: string, random: () => number): Promise<void> {
    const { history, clock } = this.opts;
    const s = this.pick(random);
    let workspace = '';
    const params = s.values.map((v) => {
      switch (v) {
        case 'uuid':
          return cqlValue.uuid();
        case 'timeuuid':
          return cqlValue.timeuuid();
        case 'int':
          return Math.floor(random() * 2 ** 31);
        case 'text':
          return Math.floor(random() * 2 ** 48).toString(36);
        case 'region':
          return region;
        default:
          // {{workspace}}
          workspace = `${region}-w${Math.floor(random() * this.spec.workspaces)}`;
          return workspace;
      }
    });
    const cluster = this.opts.clusterOf(region);
    const id = history.nextId();
    history.add({ type: 'invoke', id, t: clock.now(), region, kind: s.f, workspace, cluster, workload: this.spec.name });
    try {
      await this.fed
        .client(region, cluster)
        .execute(s.query, params, { prepare: true, consistency: consistencyLevel(this.spec.consistency), readTimeout: this.spec.timeout });
      history.add({ type: 'ok', id, t: clock.now() });
    } catch (err) {
      const error = `${(err as Error).name ?? 'Error'}: ${reason(err)}`.slice(0, 240);
      history.add({ type: s.write ? writeOutcome(err) : 'fail', id, t: clock.now(), error });
    }
  }
}
