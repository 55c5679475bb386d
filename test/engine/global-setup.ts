import { ensureEngine } from '../../src/runtime/engine.js';
import { buildImages } from '../../src/runtime/images.js';
import { labelFilter } from '../../src/runtime/labels.js';

/**
 * Engine tests share one engine and one build of the images (a no-op when they are present). After
 * the run, anything of fedsim still in the engine is a leak: it is removed and the run fails.
 */
export async function setup(): Promise<() => Promise<void>> {
  const say = (line: string) => process.stderr.write(`[setup] ${line}\n`);
  const engine = await ensureEngine(say);
  await buildImages(engine, say);
  return async () => {
    const containers = await engine.containers(labelFilter());
    const networks = await engine.networks(labelFilter());
    const volumes = await engine.volumes(labelFilter());
    for (const c of containers) await engine.remove(c.id);
    for (const n of networks) await engine.removeNetwork(n.id);
    const leaks = [...containers.map((c) => c.name), ...networks.map((n) => n.name), ...volumes.map((v) => v.name)];
    if (leaks.length) throw new Error(`fedsim objects outlived the tests (now removed): ${leaks.join(', ')}`);
  };
}
