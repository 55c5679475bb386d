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

/**
 * Broken input: every file of test/fixtures/bad (each names, in an `# expect:` line, what its one
 * error must mention), then a property-based fuzz of the schemas. Each must give one clear line,
 * exit 2, no stack trace, and touch no engine: DOCKER_HOST points nowhere, so a command that
 * reached for the engine before reading its file would answer about the engine instead.
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

async function fedsim(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
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

/**
 * `f` over `items`, at most `width` at a time, results in order. Spawning the whole corpus at once
 * asked a 2-core runner for ~100 Node start-ups together, and the slowest then waited past any bound.
 */
async function pool<T, R>(items: T[], width: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

describe('a corpus of broken topology and scenario files', () => {
  it('each file says what its error must name', () => {
    for (const c of corpus) expect(c.expect, c.file).toBeTruthy();
  });

  // validate for each; and the command that would use an engine (up for topologies, run for scenarios).
  for (const command of ['validate', 'engine']) {
    it(`${command === 'validate' ? 'fedsim validate' : 'fedsim up / run'}: one line naming the problem, exit 2, no stack trace, no engine call`, async () => {
      const results = await pool(corpus, 4, async (c) => {
        const verb = command === 'validate' ? 'validate' : c.file.startsWith('s-') ? 'run' : 'up';
        return { ...c, verb, r: await fedsim([verb, c.file]) };
      });
      for (const { file, expect: fragment, verb, r } of results) {
        const what = `fedsim ${verb} ${file}: ${r.stderr}`;
        expect(r.code, what).toBe(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines, what).toHaveLength(1);
        expect(lines[0], what).toMatch(/^fedsim: /);
        expect(lines[0], what).toContain(fragment);
        expect(r.stderr, what).not.toMatch(/^\s+at /m);
        expect(r.stderr, what).not.toMatch(/engine|DOCKER_HOST/);
        expect(r.stdout, what).toBe('');
      }
    }, 180_000);
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
