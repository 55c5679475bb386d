import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The unit project's global setup: the tests that run the CLI as users do (cli.test.ts,
 * badinput.test.ts) need dist/ as current as src/. Compiles only when a source is newer.
 */
const root = join(import.meta.dirname, '../..');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  let built = 0;
  try {
    built = statSync(join(root, 'dist/src/cli.js')).mtimeMs;
  } catch {
    // Never built.
  }
  if (newest(join(root, 'src')) <= built) return;
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
