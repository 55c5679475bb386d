import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fedsim checkout (or installed package) root: the folder whose package.json is fedsim's. */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'fedsim') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('fedsim: cannot find its own package.json');
    dir = up;
  }
})();

/** Where fedsim keeps downloaded artefacts (Maven jars, Go binaries) between image builds. */
export const cacheDir: string = process.env.FEDSIM_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fedsim');
