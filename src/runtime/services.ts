import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import tar from 'tar-fs';
import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import type { Plan, ReplicaPlan, ServicePlan } from '../topology/plan.js';
import { CATALOG, type ComponentName } from './catalog.js';
import { awaitReady, place, replica } from './components/index.js';
import type { Engine } from './engine.js';
import { filesOf, follow, localTag, resolveImage } from './images.js';
import { LABEL } from './labels.js';
import { netnsImage } from './netns.js';

/**
 * The user's services as components: their images (present, pulled, or built from a directory and
 * tagged by its hash), each replica placed and awaited by its component record (components/replica.ts:
 * its network namespace, then its container, then its readiness value), services started wave by
 * wave (`after`). Every container is labelled with the federation, so down and gc remove them like the rest.
 */

/** The image of each service: present, else pulled; or built from its directory (a no-op when its hash is already built). */
export async function resolveServiceImages(engine: Engine, plan: Plan, say: Say): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  for (const s of plan.services) {
    // A component's commands are written for its local recipe's paths, so the local recipe it is.
    if (s.component) images.set(s.name, (await resolveImage(engine, s.component as ComponentName, 'local', say)).ref);
    else images.set(s.name, s.build ? await buildService(engine, s, s.build, say) : await pullService(engine, s, s.image!, say));
  }
  return images;
}

async function pullService(engine: Engine, s: ServicePlan, ref: string, say: Say): Promise<string> {
  if ((await engine.imageSize(ref)) !== undefined) return ref;
  say(`${s.name}: pulling ${ref}`);
  if (await engine.pull(ref)) return ref;
  throw new FedsimError(
    `Service ${s.name}: the image ${ref} is not in the engine and cannot be pulled; build it, or give the service a build: directory.`,
  );
}

/** A directory's identity: every file's path and content. Same directory, same tag. */
export function directoryHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of filesOf(dir)) {
    h.update(relative(dir, f));
    h.update('\0');
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 12);
}

async function buildService(engine: Engine, s: ServicePlan, dir: string, say: Say): Promise<string> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FedsimError(`Service ${s.name}: build directory ${dir} does not exist.`);
  if (!existsSync(join(dir, 'Dockerfile'))) throw new FedsimError(`Service ${s.name}: ${dir} has no Dockerfile.`);
  // FROM ${FEDSIM_BASE}: fedsim's Debian base, which builds here without a registry.
  const base = (await resolveImage(engine, 'base', 'local', say)).ref;
  const tag = `fedsim/svc-${s.name}:${directoryHash(dir)}-${localTag(CATALOG.base).split('-').pop()}`;
  if ((await engine.imageSize(tag)) !== undefined) return tag;
  say(`${s.name}: building ${tag} from ${dir}`);
  const stream = await engine
    .buildImage(tar.pack(dir) as unknown as NodeJS.ReadableStream, {
      tag,
      buildargs: { FEDSIM_BASE: base },
      labels: { [LABEL.component]: 'service', [LABEL.service]: s.name },
    })
    .catch((err) => {
      throw new FedsimError(`Building the ${s.name} service image from ${dir} failed: ${reason(err)}`);
    });
  await follow(engine, stream, `${s.name} service`, say);
  return tag;
}

/** Places a replica by its record: its network namespace (rules in), then its container, started. */
export async function startReplica(engine: Engine, plan: Plan, r: ReplicaPlan, image: string, signal?: AbortSignal): Promise<void> {
  await place(engine, plan, replica, r, { ref: image, source: 'local' }, signal).catch((err) => {
    throw err instanceof FedsimError ? err : new FedsimError(`Service replica ${r.name} cannot start: ${reason(err)}`);
  });
}

/** Waits until a started replica is ready by its service's readiness value (or just running, without one); the ms it took. */
export async function waitForReplica(
  engine: Engine,
  plan: Plan,
  r: ReplicaPlan,
  opts: { say?: Say; signal?: AbortSignal } = {},
): Promise<number> {
  return (await awaitReady(engine, plan, replica, r, r.container, opts))!;
}

/**
 * Starts every service once what it waits for is ready: a service naming a cluster in `after` once
 * `clustersReady` (every node answers, keyspaces made), one naming services once those are ready;
 * one that waits for nothing at once, beside the nodes. A service's replicas start together.
 * Returns, per replica, fedsim's own time (namespace with its rules, container create and start)
 * and the time until it was ready.
 */
export async function startServices(
  engine: Engine,
  plan: Plan,
  images: Map<string, string>,
  opts: {
    clustersReady?: Promise<void>;
    say?: Say;
    signal?: AbortSignal;
    onReady?: (t: { replica: string; setupMs: number; readyMs: number }) => void;
  } = {},
): Promise<{ replica: string; setupMs: number; readyMs: number }[]> {
  if (!plan.services.length) return [];
  const say = opts.say ?? (() => undefined);
  // Made here, where its build (a first run) is said; each replica's record finds it present.
  await netnsImage(engine, say);
  const timings: { replica: string; setupMs: number; readyMs: number }[] = [];
  const clusters = new Set(plan.clusters.map((c) => c.name));
  const started = new Map<string, Promise<void>>();
  const service = (s: ServicePlan): Promise<void> => {
    const known = started.get(s.name);
    if (known) return known;
    const p = (async () => {
      const waits = s.after.map((a) =>
        clusters.has(a) ? (opts.clustersReady ?? Promise.resolve()) : service(plan.services.find((x) => x.name === a)!),
      );
      await Promise.all(waits);
      opts.signal?.throwIfAborted();
      // Settled, not raced: on a failure nothing may still be being created while `up` removes it all.
      const results = await Promise.allSettled(
        plan.replicas
          .filter((r) => r.service === s.name)
          .map(async (r) => {
            const t0 = performance.now();
            await startReplica(engine, plan, r, images.get(s.name)!, opts.signal);
            const setupMs = performance.now() - t0;
            const readyMs = await waitForReplica(engine, plan, r, opts);
            timings.push({ replica: r.name, setupMs, readyMs });
            opts.onReady?.({ replica: r.name, setupMs, readyMs });
            say(`${r.name} ready (${((setupMs + readyMs) / 1000).toFixed(1)} s)`);
          }),
      );
      const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    started.set(s.name, p);
    return p;
  };
  const results = await Promise.allSettled(plan.services.map(service));
  const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  return timings;
}

/** Waits until every replica of the federation is ready again (after heal). */
export async function waitForServices(engine: Engine, plan: Plan, opts: { say?: Say; signal?: AbortSignal } = {}): Promise<void> {
  await Promise.all(plan.replicas.map((r) => waitForReplica(engine, plan, r, opts)));
}

/** Each replica's ports as published on 127.0.0.1 (by its network namespace); absent while it is down. */
export async function publishedPorts(engine: Engine, plan: Plan): Promise<Record<string, { port: number; published?: string }[]>> {
  const out: Record<string, { port: number; published?: string }[]> = {};
  for (const r of plan.replicas) {
    const info = await engine.inspect(r.netns).catch(() => undefined);
    out[r.name] = r.ports.map((p) => {
      const published = info?.published.get(p.port);
      return { port: p.port, ...(published && { published }) };
    });
  }
  return out;
}
