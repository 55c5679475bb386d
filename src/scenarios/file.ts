import { dirname, resolve } from 'node:path';
import { parseWith, readDocument } from '../common/document.js';
import { formatDuration } from '../common/duration.js';
import { FedsimError } from '../errors.js';
import { effectsOf } from '../faults/kinds.js';
import type { FaultSpec } from '../faults/spec.js';
import { loadTopology, withBuildPathsFrom } from '../topology/file.js';
import { planFederation } from '../topology/plan.js';
import { parseTopology, type Topology } from '../topology/schema.js';
import { checkUserWorkloads } from '../workload/placement.js';
import { type Scenario, ScenarioSchema } from './schema.js';

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
  topology: Topology;
}

/** Reads a scenario file and the topology it names (a path is relative to the scenario file). */
export function loadScenario(file: string): LoadedScenario {
  const scenario = parseWith(ScenarioSchema, readDocument(file), file);
  const topology =
    typeof scenario.topology === 'string'
      ? loadTopology(resolve(dirname(file), scenario.topology))
      : withBuildPathsFrom(dirname(file), parseTopology(scenario.topology));
  const regions = new Set(topology.regions);
  for (const r of scenario.workload.regions ?? []) {
    if (!regions.has(r))
      throw new FedsimError(`${file}: workload.regions: unknown region "${r}"; the topology has ${topology.regions.join(', ')}.`);
  }
  // A step at or after the end of the workload would never run: said now, not dropped in silence.
  let previous = 0;
  scenario.timeline.forEach((s, i) => {
    const at = s.at ?? previous + (s.after ?? 0);
    previous = at;
    if (at >= scenario.workload.duration)
      throw new FedsimError(
        `${file}: timeline[${i}]: comes at ${formatDuration(at)}, when the workload (workload.duration ${formatDuration(scenario.workload.duration)}) is over; it would never run.`,
      );
  });
  const ks = scenario.workload.keyspace;
  if (ks && !topology.keyspaces.some((k) => k.name === ks))
    throw new FedsimError(`${file}: workload.keyspace: "${ks}" is not a keyspace of the topology.`);
  // Every fault must name regions and nodes the topology has: checked here, before any engine call.
  const plan = planFederation(topology, 'check', 0);
  checkUserWorkloads(file, scenario.workloads, plan, dirname(resolve(file)));
  const faults: [string, FaultSpec][] = [
    ...scenario.timeline.flatMap((s, i): [string, FaultSpec][] => (s.fault ? [[`timeline[${i}].fault`, s.fault]] : [])),
    ...(scenario.nemesis?.faults ?? []).map((f, i): [string, FaultSpec] => [`nemesis.faults[${i}]`, f]),
  ];
  for (const [path, f] of faults) {
    try {
      effectsOf(plan, f, 'check');
    } catch (err) {
      throw new FedsimError(`${file}: ${path}: ${(err as Error).message}`);
    }
  }
  (scenario.expect.alerts ?? []).forEach((a, i) => {
    const path = `${file}: expect.alerts[${i}]`;
    if (!topology.monitoring) throw new FedsimError(`${path}: alert expectations need \`monitoring: on\` in the topology.`);
    if (!scenario.timeline[a.fault]?.fault)
      throw new FedsimError(
        `${path}.fault: timeline[${a.fault}] is not a fault step; the timeline has ${scenario.timeline.length} step(s).`,
      );
  });
  return { file, scenario, topology };
}

/** True when a parsed document looks like a scenario rather than a topology. */
export function isScenarioDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && 'topology' in doc;
}
