import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';
import { CATALOG } from '../../src/runtime/catalog.js';
import { ensureEngine } from '../../src/runtime/engine.js';
import { buildImages, localTag } from '../../src/runtime/images.js';
import { REAL_REGIONS } from './cluster.js';

/**
 * The Kubernetes tier's cluster: built (cached by version under ~/.cache/fedsim/kubernetes), started
 * once for all its files (control plane, KWOK, a real kubelet node per region of REAL_REGIONS), given
 * fedsim's images, and stopped after them. Its node containers are not fedsim-labelled, so no
 * federation teardown touches them; its own stop removes them.
 */
export async function setup(): Promise<() => Promise<void>> {
  const say = (line: string) => process.stderr.write(`[kube setup] ${line}\n`);
  const engine = await ensureEngine(say);
  await buildImages(engine, say);
  const script = join(projectRoot, 'scripts/kube/cluster.sh');
  const run = (...args: string[]) => {
    const r = spawnSync('bash', [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`scripts/kube/cluster.sh ${args.join(' ')} failed (exit ${r.status})`);
  };
  const stop = async () => {
    run('down');
  };
  try {
    run('up', '--kwok', '--regions', REAL_REGIONS.join(','));
    run('load', localTag(CATALOG.cassandra), localTag(CATALOG.toxiproxy));
  } catch (err) {
    await stop();
    throw err;
  }
  return stop;
}
