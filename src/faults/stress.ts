import { FedsimError } from '../errors.js';
import { defineKind } from './kind.js';
import { PICK, selectNodes } from './node.js';

/**
 * Resource faults on nodes and service replicas, by cgroup limits set on the running container
 * (the engine's container update), not by a load generator inside it: a limit needs nothing in the
 * node's image, touches no other container on a 2-core machine shared with the rest of the
 * federation, is exact (a stress-ng run's pressure depends on what else runs), and is undone by
 * setting the planned limits back.
 *
 * cpu: a CFS quota of `cpu` % of one core. memory: the memory limit lowered to `memory` MiB (no
 * swap beyond it), so the kernel reclaims the page cache and anything that grows is OOM-killed;
 * the engine refuses a limit below what the container uses now (its anonymous memory cannot be
 * reclaimed), which is said as one sentence. Memory is for database nodes (a replica has no planned
 * limit to go back to).
 */
export const STRESS_KINDS = [
  defineKind({
    name: 'stress',
    family: 'node',
    target: 'NODE or REPLICA, service:S, region:R, cluster:C or all',
    params: {
      cpu: { help: 'CPU quota, in % of one core' },
      memory: { help: 'memory limit in MiB, below the planned one' },
      ...PICK,
    },
    does: 'CPU quota and/or memory limit lowered (cgroup, by container update): slow or OOM-prone nodes',
    inverse: 'the planned limits set again (no CPU quota, the planned memory)',
    updatable: true,
    check: (s) =>
      s.cpu === undefined && s.memory === undefined ? { path: 'cpu', message: 'stress needs "cpu", "memory" or both' } : undefined,
    effects(plan, spec) {
      const nodes = selectNodes(plan, spec.target, spec.pick, spec.seed);
      const limits = nodes.map((n) => {
        const memoryMb = 'memoryMb' in n ? n.memoryMb : undefined;
        if (spec.memory !== undefined) {
          if (memoryMb === undefined)
            throw new FedsimError(`stress --memory limits database nodes; ${n.name} is a replica of a service (stress it with --cpu).`);
          if (spec.memory >= memoryMb)
            throw new FedsimError(`stress --memory ${spec.memory} is not below ${n.name}'s planned ${memoryMb} MiB; give fewer MiB.`);
        }
        return {
          node: n.name,
          container: n.container,
          ...(spec.cpu !== undefined && { cpus: spec.cpu / 100 }),
          ...(spec.memory !== undefined && { memoryMb: spec.memory, plannedMemoryMb: memoryMb }),
        };
      });
      return { directions: [], toxics: [], disabled: [], nodes: [], limits };
    },
  }),
] as const;
