import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';

/** Runs the project's dependency rules on a folder; the violations as `rule: from -> to`, sorted. */
function violations(cwd: string): string[] {
  const bin = join(projectRoot, 'node_modules', '.bin', 'depcruise');
  const args = ['src', '--config', join(projectRoot, '.dependency-cruiser.cjs'), '--output-type', 'json'];
  let out: string;
  try {
    out = execFileSync(bin, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // depcruise exits non-zero when it finds violations; the report is still on stdout.
    out = (err as { stdout: string }).stdout;
  }
  const report = JSON.parse(out) as { summary: { violations: { rule: { name: string }; from: string; to: string }[] } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to.replace(/^.*node_modules\//, '')}`).sort();
}

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  const dir = mkdtempSync(join(projectRoot, 'test', '.layers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it('hold on fedsim itself', () => {
    expect(violations(projectRoot)).toEqual([]);
  }, 60_000);

  it('fail on deliberate bad imports, each under the rule it breaks', () => {
    file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    // Allowed: the runtime uses the driver; the plan uses the spec.
    file('src/runtime/federation.ts', "import cassandra from 'cassandra-driver';\nexport const up = cassandra;\n");
    // Allowed: the engine file speaks dockerode. Not allowed: another runtime file going around it.
    file('src/runtime/engine.ts', "import Docker from 'dockerode';\nexport const engine = Docker;\n");
    file('src/runtime/gateway.ts', "import Docker from 'dockerode';\nexport const gw = Docker;\n");
    file('src/topology/schema.ts', 'export const TopologySchema = 1;\n');
    // Against the flow: the plan reaching into the runtime.
    file(
      'src/topology/plan.ts',
      "import { TopologySchema } from './schema.js';\nimport { up } from '../runtime/federation.js';\nexport const p = [TopologySchema, up];\n",
    );
    // A checker reading a file; the workload importing the driver and the runtime class.
    file('src/checkers/peek.ts', "import { readFileSync } from 'node:fs';\nexport const peek = readFileSync;\n");
    file(
      'src/workload/workload.ts',
      "import cassandra from 'cassandra-driver';\nimport { up } from '../runtime/federation.js';\nexport const w = [cassandra, up];\n",
    );
    // A folder no layer names.
    file('src/stray/thing.ts', "import { peek } from '../checkers/peek.js';\nexport const t = peek;\n");
    expect(violations(dir)).toEqual([
      'against-the-flow-from-plan: src/topology/plan.ts -> src/runtime/federation.ts',
      'checkers-do-no-io: src/checkers/peek.ts -> fs',
      'dockerode-only-in-the-engine: src/runtime/gateway.ts -> dockerode/lib/docker.js',
      'drivers-only-in-runtime: src/workload/workload.ts -> cassandra-driver/index.js',
      'layer-unknown: src/stray/thing.ts -> src/checkers/peek.ts',
      'workload-through-its-own-view: src/workload/workload.ts -> src/runtime/federation.ts',
    ]);
  }, 60_000);

  it('keep the raw Docker client inside the engine file: no other src/ file reaches `.docker`', () => {
    // The import rule cannot see a property: this reads the sources for the Engine's raw client.
    // A property of something (`engine.docker`), not a path such as ~/.docker (runtime/discovery.ts).
    const reach = /\w\.docker\b/;
    const offenders = execFileSync('git', ['ls-files', 'src'], { cwd: projectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && f !== 'src/runtime/engine.ts')
      .filter((f) => reach.test(readFileSync(join(projectRoot, f), 'utf8')));
    expect(offenders).toEqual([]);
    expect(reach.test('await engine.docker.listContainers()')).toBe(true);
    expect(reach.test("join(home, '.docker', 'run')")).toBe(false);
  });

  it('keep files short: one over 400 lines says at its top why it is one piece', () => {
    const reason = /over 400 lines with reason|longer than most files on purpose/i;
    const unexplained = (text: string) => text.split('\n').length > 400 && !reason.test(text.split('\n').slice(0, 40).join('\n'));
    const offenders = execFileSync('git', ['ls-files', 'src'], { cwd: projectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.tsx?$/.test(f))
      .filter((f) => unexplained(readFileSync(join(projectRoot, f), 'utf8')));
    expect(offenders).toEqual([]);
    expect(unexplained('x\n'.repeat(401))).toBe(true);
    expect(unexplained(`/** Over 400 lines with reason: one class. */\n${'x\n'.repeat(401)}`)).toBe(false);
  });
});
