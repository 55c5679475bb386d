import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseWith } from '../../src/common/document.js';
import { FedsimError } from '../../src/errors.js';
import { ScenarioSchema } from '../../src/scenarios/schema.js';
import { TopologySchema } from '../../src/topology/schema.js';
import { fedsimInProcess, type Ran } from './inprocess.js';

/**
 * Broken input: every file of test/fixtures/bad (each names, in an `# expect:` line, what its one
 * error must mention), then a property-based fuzz of the schemas. Each must give one clear line,
 * exit 2, no stack trace, and touch no engine. The whole corpus runs through the CLI's main()
 * in-process (its context has no engine: a command that reached for it before reading its file
 * would answer about the engine instead); a sample runs as the spawned CLI, with DOCKER_HOST
 * pointing nowhere, to prove the process's own exit status and stderr.
 */
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli.js');
const dir = join(root, 'test/fixtures/bad');
const run = promisify(execFile);

const SPECIAL: Record<string, string> = {
  'binary.yaml': 'not a text file',
  'empty.yaml': 'the file is empty',
  'whitespace.yaml': 'the file is empty',
};
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => {
    const text = readFileSync(join(dir, f), 'latin1');
    return { file: f, expect: SPECIAL[f] ?? /^# expect: (.*)$/m.exec(text)?.[1] };
  });

async function spawned(args: string[]): Promise<Ran> {
  try {
    const r = await run(process.execPath, [cli, ...args], {
      cwd: dir,
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    return { code: 0, stderr: r.stderr, stdout: r.stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string; stdout: string };
    return { code: e.code, stderr: e.stderr, stdout: e.stdout };
  }
}

/** The spawned sample: the special files, and the first of each kind (t- topologies, s- scenarios). */
const sample = corpus.filter((c, i) => c.file in SPECIAL || corpus.findIndex((d) => d.file.slice(0, 2) === c.file.slice(0, 2)) === i);

function explained(verb: string, c: { file: string; expect?: string }, r: Ran): void {
  const what = `fedsim ${verb} ${c.file}: ${r.stderr}`;
  expect(r.code, what).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, what).toHaveLength(1);
  expect(lines[0], what).toMatch(/^fedsim: /);
  expect(lines[0], what).toContain(c.expect);
  expect(r.stderr, what).not.toMatch(/^\s+at /m);
  expect(r.stderr, what).not.toMatch(/engine|DOCKER_HOST/);
  expect(r.stdout, what).toBe('');
}

describe('a corpus of broken topology and scenario files', () => {
  it('each file says what its error must name', () => {
    for (const c of corpus) expect(c.expect, c.file).toBeTruthy();
    expect(sample.length).toBeGreaterThanOrEqual(5);
  });

  // validate for each; and the command that would use an engine (up for topologies, run for scenarios).
  const verbOf = (command: string, file: string) => (command === 'validate' ? 'validate' : file.startsWith('s-') ? 'run' : 'up');
  for (const command of ['validate', 'engine']) {
    const title = command === 'validate' ? 'fedsim validate' : 'fedsim up / run';
    it(`${title}: one line naming the problem, exit 2, no stack trace, no engine call`, async () => {
      for (const c of corpus) {
        const verb = verbOf(command, c.file);
        explained(verb, c, await fedsimInProcess([verb, c.file], { cwd: dir }));
      }
    });

    it(`${title} as a process: the same line on stderr, exit status 2 (a sample of the corpus)`, async () => {
      const results = await Promise.all(
        sample.map(async (c) => ({ c, verb: verbOf(command, c.file), r: await spawned([verbOf(command, c.file), c.file]) })),
      );
      for (const { c, verb, r } of results) explained(verb, c, r);
    }, 120_000);
  }
});

/** A one-line FedsimError naming a field, or a parse: nothing else may come out of the loader. */
function parsesOrExplains(schema: typeof TopologySchema | typeof ScenarioSchema, doc: unknown): void {
  try {
    parseWith(schema, doc, 'fuzz.yaml');
  } catch (err) {
    if (!(err instanceof FedsimError)) throw err;
    expect(err.message).toMatch(/^fuzz\.yaml: /);
    expect(err.message).not.toContain('\n');
    expect(err.exitCode).toBe(2);
  }
}

const validTopology = parse(readFileSync(join(root, 'topologies/three-region-federation.yaml'), 'utf8'));
const validScenario = parse(readFileSync(join(root, 'scenarios/voedger-federation.yaml'), 'utf8'));

/** Every path to a value in a document. */
function paths(doc: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (doc === null || typeof doc !== 'object') return [at];
  const keys = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  return [at, ...keys.flatMap((k) => paths((doc as Record<string | number, unknown>)[k], [...at, k]))];
}

function mutate(doc: unknown, path: (string | number)[], value: unknown, remove: boolean): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  if (!path.length) return value;
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = value;
  return copy;
}

const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1e308, Number.MAX_SAFE_INTEGER, '', '10 parsecs', '-5ms', 'on', null, true, [], {}),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);

describe('property: a mutated document parses or is explained in one line', () => {
  for (const [name, schema, valid] of [
    ['topology', TopologySchema, validTopology],
    ['scenario', ScenarioSchema, validScenario],
  ] as const) {
    it(`${name}: a value replaced, removed or added anywhere`, () => {
      const all = paths(valid);
      fc.assert(
        fc.property(fc.nat(all.length - 1), anyValue, fc.boolean(), fc.string(), (i, value, remove, key) => {
          const p = all[i]!;
          parsesOrExplains(schema, mutate(valid, p, value, remove));
          // An extra key beside an existing one.
          parsesOrExplains(schema, mutate(valid, [...p.slice(0, -1), `x${key}`], value, false));
        }),
        { numRuns: 1500, seed: 42 },
      );
    });

    it(`${name}: arbitrary YAML-shaped documents`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
          parsesOrExplains(schema, parse(stringify(doc)));
        }),
        { numRuns: 500, seed: 7 },
      );
    });
  }
});
