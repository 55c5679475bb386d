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
    const containers = await engine.docker.listContainers({ all: true, filters: labelFilter() });
    const networks = await engine.docker.listNetworks({ filters: labelFilter() });
    const volumes = (await engine.docker.listVolumes({ filters: labelFilter() })).Volumes ?? [];
    for (const c of containers) await engine.docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of networks) await engine.docker.getNetwork(n.Id).remove();
    const leaks = [...containers.map((c) => c.Names[0]), ...networks.map((n) => n.Name), ...volumes.map((v) => v.Name)];
    if (leaks.length) throw new Error(`fedsim objects outlived the tests (now removed): ${leaks.join(', ')}`);
  };
}
