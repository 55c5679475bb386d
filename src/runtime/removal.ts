import type { Engine } from './engine.js';
import { LABEL, labelFilter } from './labels.js';

/** Finding and removing what fedsim labelled in the engine, by federation. */
/** Names of the federations that have anything left in the engine. */
export async function federationNames(engine: Engine): Promise<string[]> {
  const [containers, networks] = await Promise.all([
    engine.docker.listContainers({ all: true, filters: labelFilter() }),
    engine.docker.listNetworks({ filters: labelFilter() }),
  ]);
  const names = new Set<string>();
  for (const x of [...containers, ...networks]) if (x.Labels?.[LABEL.federation]) names.add(x.Labels[LABEL.federation]!);
  return [...names].sort();
}

/** Removes every container and network labelled with the federation's name. Idempotent. */
export async function removeFederation(engine: Engine, name: string): Promise<{ containers: number; networks: number }> {
  const containers = await engine.docker.listContainers({ all: true, filters: labelFilter(name) });
  await Promise.all(
    containers.map((c) =>
      engine.docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404 && err.statusCode !== 409) throw err;
        }),
    ),
  );
  // Fault records are volumes; the nodes' anonymous volumes went with their containers (v: true).
  const volumes = (await engine.docker.listVolumes({ filters: labelFilter(name) })).Volumes ?? [];
  await Promise.all(
    volumes.map((v) =>
      engine.docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  );
  const networks = await engine.docker.listNetworks({ filters: labelFilter(name) });
  for (const n of networks) {
    await engine.docker
      .getNetwork(n.Id)
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
  }
  return { containers: containers.length, networks: networks.length };
}
