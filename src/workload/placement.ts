import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { FedsimError } from '../errors.js';
import type { UserWorkload } from '../scenarios/schema.js';
import type { Plan } from '../topology/plan.js';
import { probeTarget } from './http.js';

/**
 * The scenario's own workloads checked against the planned topology, before any engine call (no
 * driver loaded: `fedsim validate` uses it): regions, clusters, the services a probe names, and
 * that a command's program is there.
 */
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
    if (w.kind === 'command' && Array.isArray(w.run) && !findable(w.run[0]!, cwd))
      throw new FedsimError(
        `${at}.run: "${w.run[0]}" is not an executable program here (looked in ${w.run[0]!.includes('/') ? cwd : 'the PATH'}).`,
      );
  });
}
