import type { Say } from '../../common/say.js';
import { FedsimError } from '../../errors.js';
import type { Plan } from '../../topology/plan.js';
import type { ComponentName } from '../catalog.js';
import type { ContainerSpec, Engine } from '../engine.js';
import { lastLogLines } from '../federation.js';
import type { ResolvedImage } from '../images.js';
import { type Probe, waitUntil } from '../wait.js';

/**
 * One shape for every component fedsim runs (cassandra, scylla, the gateway, prometheus,
 * alertmanager, grafana, a service's replica): a record of what differs between them, and the two functions below that
 * do what is the same (place a container, await it). Bring-up (bringup.ts, monitoring.ts) walks the
 * plan and hands each part to its record; the next component is one more record.
 */
/** What a record's container is told of its image: the reference, and whether fedsim's local recipe made it. */
export type PlacedImage = Pick<ResolvedImage, 'ref' | 'source'>;

export interface ComponentRecord<Part> {
  /** The catalog entry whose image it runs; absent for a service's replica, whose image is the service's own. */
  image?: ComponentName;
  /** Its container, from the plan: Docker's create options, on its home network at its address. */
  container(plan: Plan, part: Part, image: PlacedImage): ContainerSpec;
  /** What must exist before its container is made (a replica's network namespace, which its container joins). */
  before?(engine: Engine, plan: Plan, part: Part, signal?: AbortSignal): Promise<void>;
  /** The further networks it joins before it starts: network name -> its address there. */
  joins?(plan: Plan, part: Part): Record<string, string>;
  /** Files put into it before it starts (its configuration). */
  files?(plan: Plan, part: Part): { dir: string; files: Record<string, string> };
  /** When it is ready, as a value; read once it has started (its published ports exist then). */
  readiness(engine: Engine, plan: Plan, part: Part): Promise<ReadyWhen>;
  /** What is done through its own API once it is ready (the gateway's proxies and toxics). */
  configure?(engine: Engine, plan: Plan, part: Part, signal?: AbortSignal): Promise<void>;
}

/** A component fedsim ships: its image is a catalog entry, resolved by the source the user chose. */
export type CatalogRecord<Part> = ComponentRecord<Part> & { image: ComponentName };

/** How the engine says a container ended, for the sentence a readiness failure says. */
export interface Exit {
  code: number;
  oom: boolean;
}

/** A component's readiness: the probe the one waitUntil runs, its deadline and interval, and what its failure says. */
export interface ReadyWhen {
  probe: Probe;
  timeoutMs: number;
  everyMs: number;
  /** Not ready in time fails `up` with the container's last log lines; else it is said and `up` carries on. */
  required: boolean;
  /** The sentence for not ready: from the probe's last answer, or from how the container exited. */
  notReady(why: { last: string; exit?: Exit; timeoutMs: number }): string;
}

/** Creates a part's container, joins its other networks, puts its files, starts it; its container name. */
export async function place<Part>(
  engine: Engine,
  plan: Plan,
  record: ComponentRecord<Part>,
  part: Part,
  image: PlacedImage,
  signal?: AbortSignal,
): Promise<string> {
  await record.before?.(engine, plan, part, signal);
  const spec = record.container(plan, part, image);
  const id = await engine.create(spec);
  for (const [network, address] of Object.entries(record.joins?.(plan, part) ?? {})) await engine.connect(network, id, address);
  const files = record.files?.(plan, part);
  if (files) await engine.putFiles(id, files.dir, files.files);
  await engine.start(id);
  return spec.name ?? id;
}

/**
 * Waits until a started part is ready by its record's readiness (`timeoutMs` overrides its
 * deadline), then configures it. Ends early when its container exits. Returns the milliseconds it took, or undefined when a part that is not
 * required was not ready (said).
 */
export async function awaitReady<Part>(
  engine: Engine,
  plan: Plan,
  record: ComponentRecord<Part>,
  part: Part,
  container: string,
  opts: { say?: Say; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<number | undefined> {
  const r = await record.readiness(engine, plan, part);
  const timeoutMs = opts.timeoutMs ?? r.timeoutMs;
  let exit: Exit | undefined;
  const outcome = await waitUntil(r.probe, {
    timeoutMs,
    everyMs: r.everyMs,
    say: opts.say,
    signal: opts.signal,
    stop: async () => {
      const s = await engine.inspect(container);
      if (s.running) return undefined;
      exit = { code: s.exitCode, oom: s.oomKilled };
      return `exited (code ${s.exitCode}${s.oomKilled ? ', out of memory' : ''})`;
    },
  });
  if (!outcome.ready) {
    const sentence = r.notReady({ last: outcome.last, exit, timeoutMs });
    if (!r.required) {
      opts.say?.(`${sentence}; carrying on without it`);
      return undefined;
    }
    throw new FedsimError(`${sentence}; its last log lines:\n${await lastLogLines(engine, container)}`);
  }
  await record.configure?.(engine, plan, part, opts.signal);
  return outcome.ms;
}
