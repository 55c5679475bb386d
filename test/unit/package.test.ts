import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * fedsim as a package: what `npm pack` ships, and the tarball installed in an empty folder as a user
 * would, with its `fedsim` command and its typed API (the README's "Using it from code" example,
 * type-checked against the installed package). dist/ is current (the unit project's global setup),
 * so the pack skips `prepack`. The install resolves dependencies from npm's cache where it can.
 */
const root = join(import.meta.dirname, '../..');
const node = process.execPath;
/** npm as the user has it on PATH (bootstrap's Node comes without one; the system npm then runs it). */
const npm = 'npm';
const work = mkdtempSync(join(tmpdir(), 'fedsim-package-'));
// Removing the installed tree takes more than the default 10 s on a busy machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

const sh = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

describe('the npm package', () => {
  const packed = JSON.parse(sh(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root))[0] as {
    filename: string;
    files: { path: string }[];
  };
  const files = packed.files.map((f) => f.path);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  it('ships what runs (the CLI its bin names, the typed API, recipes, library, licence) and no tests or benches', () => {
    expect(files).toContain(pkg.bin.fedsim);
    expect(files).toContain(pkg.exports['.'].types.replace(/^\.\//, ''));
    expect(files).toContain(pkg.exports['.'].default.replace(/^\.\//, ''));
    for (const f of [
      'LICENSE',
      'docker/cassandra/Dockerfile',
      'docker/base/rootfs.sh',
      'scenarios/voedger-federation.yaml',
      'topologies/three-region-federation.yaml',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(test|bench|dist\/bench|src)\//.test(f) || f.endsWith('.map'))).toEqual([]);
  });

  it('installs into an empty folder: its fedsim runs, and the README example type-checks against it', () => {
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    sh(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed.filename)], app);
    const fedsim = join(app, 'node_modules/.bin/fedsim');
    expect(sh(fedsim, ['--version'], app).trim()).toBe(pkg.version);
    expect(sh(fedsim, ['validate', 'node_modules/fedsim/topologies/three-region-federation.yaml'], app)).toMatch(
      /valid federation topology/,
    );
    // The README's example, exactly as written there, compiled against the installed package's types.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Using it from code\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from 'fedsim'");
    writeFileSync(join(app, 'use.ts'), example!);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          lib: ['ES2023', 'ESNext.Disposable'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['use.ts'],
      }),
    );
    sh(node, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], app);
  }, 240_000);
});
