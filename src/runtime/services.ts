import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import tar from 'tar-fs';
import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import type { Plan, ReplicaPlan, ServicePlan } from '../topology/plan.js';
import type { Readiness } from '../topology/schema.js';
import { CATALOG, type ComponentName } from './catalog.js';
import type { ContainerSpec, Engine } from './engine.js';
import { filesOf, follow, localTag, resolveImage } from './images.js';
import { federationLabels, LABEL } from './labels.js';
import { netnsContainerSpec, netnsImage, startNetns } from './netns.js';
import { commandProbe, httpProbe, logProbe, tcpProbe } from './readiness.js';
import { type Probe, waitUntil } from './wait.js';

/**
 * The user's services as components: their images (present, pulled, or built from a directory and
 * tagged by its hash), each replica's network namespace then its container, started wave by wave
 * (`after`), each replica awaited by its readiness value. Every container is labelled with the
 * federation, so down and gc remove them like the rest.
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

export function replicaContainerSpec(plan: Plan, r: ReplicaPlan, s: ServicePlan, image: string): ContainerSpec {
  return {
    name: r.container,
    Image: image,
    ...(s.command && { Cmd: s.command }),
    Env: Object.entries(r.env).map(([k, v]) => `${k}=${v}`),
    Labels: federationLabels(plan.federation, {
      [LABEL.role]: 'service',
      [LABEL.region]: r.region,
      [LABEL.service]: r.service,
      [LABEL.node]: r.name,
    }),
    HostConfig: { NetworkMode: `container:${r.netns}` },
  };
}

/** The probe a replica's readiness value stands for; tcp and http are tried from the host at the replica's address. */
export function readinessProbe(engine: Engine, r: ReplicaPlan, ready: Readiness): Probe {
  if (ready.tcp !== undefined) return tcpProbe(r.address, ready.tcp);
  if (ready.http) return httpProbe(`http://${r.address}:${ready.http.port}${ready.http.path}`, ready.http.status);
  if (ready.command) return commandProbe(engine, r.container, ready.command);
  return logProbe(engine, r.container, ready.log!);
}

/** Waits until a replica is ready by its service's readiness value (or just running, without one). */
export async function waitForReplica(
  engine: Engine,
  r: ReplicaPlan,
  s: ServicePlan,
  opts: { say?: Say; signal?: AbortSignal } = {},
): Promise<number> {
  const exited = async () => {
    const st = await engine.inspect(r.container);
    return st.running || st.paused ? undefined : `it exited (code ${st.exitCode}${st.oomKilled ? ', out of memory' : ''})`;
  };
  const running: Probe = { what: `${r.name} running`, check: exited };
  const probe = s.ready ? readinessProbe(engine, r, s.ready) : running;
  const outcome = await waitUntil(probe, {
    timeoutMs: s.ready?.timeout ?? 60_000,
    everyMs: 50,
    say: opts.say,
    signal: opts.signal,
    stop: exited,
  });
  if (outcome.ready) return outcome.ms;
  const log = (await engine.logs(r.container, 12).catch(() => '')).trimEnd() || '(nothing logged)';
  const why = /^it exited/.test(outcome.last)
    ? `${outcome.last} before it was ready`
    : `was not ready within ${((s.ready?.timeout ?? 60_000) / 1000).toFixed(0)} s (${probe.what}: ${outcome.last})`;
  throw new FedsimError(`Service replica ${r.name} ${why}; its last log lines:\n${log}`);
}

export async function startReplica(
  engine: Engine,
  plan: Plan,
  r: ReplicaPlan,
  s: ServicePlan,
  image: string,
  nsImage: string,
  signal?: AbortSignal,
): Promise<void> {
  await engine.create(
    netnsContainerSpec(
      plan,
      {
        container: r.netns,
        region: r.region,
        address: r.address,
        dnat: r.dnat,
        hostname: r.name,
        hosts: r.hosts,
        ports: r.ports,
        labels: { [LABEL.role]: 'netns', [LABEL.service]: r.service, [LABEL.node]: r.name },
      },
      nsImage,
    ),
  );
  try {
    await startNetns(engine, r.netns, signal);
  } catch (err) {
    const m = /(127\.0\.0\.1:\d+).*(already allocated|address already in use)|(already allocated|address already in use)/i.exec(
      reason(err),
    );
    if (m) {
      const fixed = r.ports.find((p) => p.host !== undefined && reason(err).includes(`:${p.host}`));
      throw new FedsimError(
        `Service ${s.name}: port 127.0.0.1:${fixed?.host ?? '?'} is already taken on this machine; free it, or leave out host: so the engine picks a free one.`,
      );
    }
    throw err;
  }
  const c = await engine.create(replicaContainerSpec(plan, r, s, image));
  await engine.start(c).catch((err) => {
    throw new FedsimError(`Service replica ${r.name} cannot start: ${reason(err)}`);
  });
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
  const nsImage = await netnsImage(engine, say);
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
            await startReplica(engine, plan, r, s, images.get(s.name)!, nsImage, opts.signal);
            const setupMs = performance.now() - t0;
            const readyMs = await waitForReplica(engine, r, s, opts);
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
  await Promise.all(plan.replicas.map((r) => waitForReplica(engine, r, plan.services.find((s) => s.name === r.service)!, opts)));
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
