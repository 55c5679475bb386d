import { z } from 'zod';
import { readDocument } from '../common/document.js';
import { isScenarioDocument, loadScenario } from '../scenarios/file.js';
import { ScenarioSchema } from '../scenarios/schema.js';
import { loadTopology } from '../topology/file.js';
import { TopologySchema } from '../topology/schema.js';
import type { CommandContext } from './context.js';

// validate and schema touch no engine, so they load none of the runtime (commands/federation.ts
// loads the engine's client and bring-up: about half a second more for each `fedsim validate`).

/** What `fedsim validate --json` prints (docs/CLI.md). */
export type Validated =
  | {
      file: string;
      valid: true;
      type: 'scenario';
      name: string;
      regions: number;
      workloadSeconds: number;
      timedFaults: number;
      nemesis: boolean;
    }
  | {
      file: string;
      valid: true;
      type: 'topology';
      name?: string;
      shape: string;
      regions: number;
      clusters: number;
      nodes: number;
      services: number;
      replicas: number;
    };

/** `fedsim validate FILE [--json]`: parses and checks a topology or a scenario; touches no engine. */
export async function validateCommand(ctx: CommandContext, file: string, opts: { json?: boolean } = {}): Promise<void> {
  let v: Validated;
  if (isScenarioDocument(readDocument(file))) {
    const { scenario, topology } = loadScenario(file);
    v = {
      file,
      valid: true,
      type: 'scenario',
      name: scenario.name,
      regions: topology.regions.length,
      workloadSeconds: scenario.workload.duration / 1000,
      timedFaults: scenario.timeline.filter((s) => s.fault).length,
      nemesis: scenario.nemesis !== undefined,
    };
  } else {
    const t = loadTopology(file);
    v = {
      file,
      valid: true,
      type: 'topology',
      ...(t.name !== undefined && { name: t.name }),
      shape: t.shape,
      regions: t.regions.length,
      clusters: t.clusters.length,
      nodes: t.clusters.reduce((n, c) => n + Object.values(c.nodes).reduce((a, b) => a + b, 0), 0),
      services: t.services.length,
      replicas: t.services.reduce((n, s) => n + Object.values(s.regions).reduce((a, b) => a + b, 0), 0),
    };
  }
  if (opts.json) return ctx.out(`${JSON.stringify(v, null, 2)}\n`);
  ctx.out(
    v.type === 'scenario'
      ? `${file}: valid scenario ${v.name}: ${v.regions} region(s), ${v.workloadSeconds} s of workload, ${v.timedFaults} timed fault(s)${v.nemesis ? ', random faults' : ''}\n`
      : `${file}: valid ${v.shape} topology, ${v.regions} region(s), ${v.clusters} cluster(s), ${v.nodes} node(s)${v.services ? `, ${v.services} service(s) with ${v.replicas} replica(s)` : ''}\n`,
  );
}

/** `fedsim schema [--scenario]`: JSON Schema of topology (or scenario) files, generated from the zod schemas. */
export async function schemaCommand(ctx: CommandContext, opts: { scenario?: boolean }): Promise<void> {
  const schema = z.toJSONSchema(opts.scenario ? ScenarioSchema : TopologySchema, { io: 'input', unrepresentable: 'any' });
  ctx.out(`${JSON.stringify({ ...schema, title: opts.scenario ? 'fedsim scenario' : 'fedsim topology' }, null, 2)}\n`);
}
