import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { FedsimError } from '../errors.js';
import type { Plan, ReplicaPlan } from '../topology/plan.js';
import type { UserWorkload } from './kinds.js';

/**
 * Where the user's own workloads run and what serves them, decided from the plan alone: the cluster
 * a region's clients use, the replica (and the path to it) an HTTP probe reaches, and the check of a
 * scenario's `workloads:` against the planned topology before any engine call.
 */

/** The cluster a region's clients use unless told: one with nodes there (a worker first), else the Main Cluster. */
export function regionCluster(plan: Plan, region: string): string {
  const here = plan.clusters.filter((c) => c.regions.includes(region));
  return (here.find((c) => c.role !== 'main') ?? here[0] ?? plan.clusters.find((c) => c.role === 'main') ?? plan.clusters[0]!).name;
}

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

/** Whether a program named without a slash is on the PATH, or one with a slash is executable. */
function findable(program: string, cwd: string): boolean {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : (process.env.PATH ?? '').split(delimiter).map((d) => join(d, program));
  return candidates.some((f) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Every workload's regions, clusters and program are there: one sentence naming the field otherwise. */
export function checkUserWorkloads(file: string, workloads: UserWorkload[], plan: Plan, cwd: string): void {
  const names = new Set<string>();
  const clusters = plan.clusters.map((c) => c.name);
  workloads.forEach((w, i) => {
    const at = `${file}: workloads[${i}]`;
    if (names.has(w.name)) throw new FedsimError(`${at}.name: "${w.name}" is used by an earlier workload; names must differ.`);
    names.add(w.name);
    const [field, regions] = w.kind === 'command' ? ['region', [w.region]] : ['regions', w.regions];
    for (const r of regions)
      if (!plan.regions.includes(r))
        throw new FedsimError(`${at}.${field}: unknown region "${r}"; the topology has ${plan.regions.join(', ')}.`);
    if (w.kind === 'http') {
      for (const r of regions) {
        try {
          probeTarget(plan, w.url, r);
        } catch (err) {
          throw new FedsimError(
            `${at}.url: ${(err as Error).message}; the topology's services are ${plan.services.map((s) => s.name).join(', ') || 'none'}.`,
          );
        }
      }
      return;
    }
    // A command's operations may also name a service replica as what served them.
    const targets = w.kind === 'command' ? [...clusters, ...plan.replicas.map((r) => r.name)] : clusters;
    if (w.cluster !== undefined && !targets.includes(w.cluster))
      throw new FedsimError(`${at}.cluster: unknown cluster "${w.cluster}"; the topology has ${targets.join(', ')}.`);
    if (w.kind === 'command' && w.wan && process.getuid?.() !== 0)
      throw new FedsimError(
        `${at}.wan: a command workload runs in its region's network namespace (entered with nsenter), which needs root; run fedsim as root, or set wan: false to run it as a plain host process whose connections do not pay the links.`,
      );
    if (w.kind === 'command' && Array.isArray(w.run) && !findable(w.run[0]!, cwd))
      throw new FedsimError(
        `${at}.run: "${w.run[0]}" is not an executable program here (looked in ${w.run[0]!.includes('/') ? cwd : 'the PATH'}).`,
      );
  });
}
