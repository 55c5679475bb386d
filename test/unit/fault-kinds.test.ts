import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FedsimError } from '../../src/errors.js';
import { faultOptions, faultTable, targetHelp } from '../../src/faults/docs.js';
import { effectsOf, FAULT_KINDS, KINDS, kindOf } from '../../src/faults/kinds.js';
import { PARAM_NAMES } from '../../src/faults/params.js';
import { FaultSpecSchema } from '../../src/faults/spec.js';
import { projectRoot } from '../../src/paths.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';

const plan = planFederation(
  parseTopology({
    shape: 'federation',
    regions: ['ra', 'rb'],
    links: { default: { latency: 20 } },
    clusters: [
      { name: 'main', role: 'main', nodes: { ra: 1 } },
      { name: 'wb', role: 'worker', nodes: { rb: 1 } },
    ],
    keyspaces: [{ name: 'app', replication: 1 }],
  }),
  'unit',
  0,
);

/** A cluster of two nodes, whose membership can change. */
const pairPlan = planFederation(
  parseTopology({
    shape: 'federation',
    regions: ['ra'],
    clusters: [{ name: 'main', role: 'main', nodes: { ra: 2 } }],
    keyspaces: [{ name: 'app', replication: 2 }],
  }),
  'unit',
  0,
);

/** A target of each family's grammar on the plans above (a new family adds its own). */
const TARGETS: Record<string, string> = {
  link: 'ra->rb',
  loss: 'ra->rb',
  partition: 'ra|rb',
  node: 'all',
  outage: 'ra',
  membership: 'main-ra-2',
};
/** A value for each parameter a kind may need. */
const VALUES: Record<string, unknown> = { latency: '150ms', rate: 1000, delay: '1s', bytes: 1000, percent: 10, offset: '-30s' };

describe('the registry of fault kinds', () => {
  it('dispatch is exhaustive: an unknown kind is an error, never another kind', () => {
    expect(() => kindOf('melt')).toThrow(FedsimError);
    expect(() => kindOf('melt')).toThrow('Unknown fault kind "melt"; the kinds are latency, bandwidth');
    // Past the schema (as a record read back from an older fedsim could be): still no fall-through.
    expect(() => effectsOf(plan, { kind: 'melt', target: 'ra' }, 'id')).toThrow('Unknown fault kind "melt"');
    expect(new Set(FAULT_KINDS).size).toBe(KINDS.length);
  });

  it('lists every family module: a kind record exported from src/faults/ is a kind of the registry', async () => {
    const dir = join(projectRoot, 'src/faults');
    const exported: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const module: Record<string, unknown> = await import(join(dir, file));
      for (const value of Object.values(module)) {
        if (!Array.isArray(value)) continue;
        for (const k of value) if (k && typeof k === 'object' && 'name' in k && typeof k.effects === 'function') exported.push(k.name);
      }
    }
    // The scan finds the registry's own kinds at least, so a scan that finds nothing cannot pass.
    expect(exported.length).toBeGreaterThanOrEqual(KINDS.length);
    for (const name of exported) expect(FAULT_KINDS, `${name} is exported by a family module but not listed in kinds.ts`).toContain(name);
  });

  it('every kind parses with its required parameters and does something to the plan', () => {
    for (const k of KINDS) {
      const target = k.name === 'isolate' ? 'ra' : k.name === 'add-node' ? 'cluster:main' : TARGETS[k.family];
      const required = Object.entries(k.params)
        .filter(([, use]) => use.required)
        .map(([p]) => [p, VALUES[p]]);
      // stress needs one of two parameters, neither required alone.
      const extra = k.name === 'stress' ? { cpu: 50 } : {};
      const spec = FaultSpecSchema.parse({ kind: k.name, target, ...Object.fromEntries(required), ...extra });
      const e = effectsOf(k.family === 'membership' ? pairPlan : plan, spec, 'id');
      const count = [e.toxics, e.disabled, e.nodes, e.packets ?? [], e.limits ?? [], e.clocks ?? [], e.members ?? []].reduce(
        (a, x) => a + x.length,
        0,
      );
      expect(count, k.name).toBeGreaterThan(0);
      expect(k.inverse, k.name).not.toBe('');
    }
  });

  it('the CLI options and help come from it: every parameter once, its help naming the kinds that take it', () => {
    const options = faultOptions();
    expect(options.map((o) => o.param)).toEqual(PARAM_NAMES);
    expect(options.find((o) => o.param === 'oneWay')!.flags).toBe('--one-way');
    expect(options.find((o) => o.param === 'delay')!.help).toBe('slow-close: delay before a close; slicer: delay between slices');
    for (const o of options) {
      for (const k of KINDS.filter((x) => o.param in x.params)) expect(o.help, o.param).toMatch(new RegExp(`${k.name}|${k.family} kinds`));
    }
    expect(targetHelp()).toBe(
      'link kinds: A->B, A<-B, A<->B; loss: A->B, A<-B, A<->B, NODE or REPLICA, service:S, region:R, cluster:C or all; partition: A|B, A,B|C, A|*; isolate/outage: a region; kill/stop/pause/restart/wipe/stress: NODE or REPLICA, service:S, region:R, cluster:C or all; clock: NODE, region:R, cluster:C or all; add-node: cluster:C; decommission/replace: NODE, region:R or cluster:C',
    );
  });

  it("the README's table of kinds is the generated one", () => {
    const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
    const table = /<!-- fault kinds:[^\n]*-->\n([\s\S]*?)\n<!-- end of fault kinds -->/.exec(readme)?.[1];
    // On a difference: `npm run readme` writes faultTable() (src/faults/docs.ts) between the README's markers.
    expect(table).toBe(faultTable());
  });
});
