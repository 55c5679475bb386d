import type { Engine } from './engine.js';
import { LABEL, labelFilter } from './labels.js';

/** Finding and removing what fedsim labelled in the engine, by federation. */
/** Names of the federations that have anything left in the engine. */
export async function federationNames(engine: Engine): Promise<string[]> {
  const [containers, networks] = await Promise.all([engine.containers(labelFilter()), engine.networks(labelFilter())]);
  const names = new Set<string>();
  for (const x of [...containers, ...networks]) if (x.labels[LABEL.federation]) names.add(x.labels[LABEL.federation]!);
  return [...names].sort();
}

/** Removes every container and network labelled with the federation's name. Idempotent. */
export async function removeFederation(engine: Engine, name: string): Promise<{ containers: number; networks: number }> {
  const containers = await engine.containers(labelFilter(name));
  await Promise.all(containers.map((c) => engine.remove(c.id)));
  // Fault records are volumes; the nodes' anonymous volumes went with their containers (v: true).
  const volumes = await engine.volumes(labelFilter(name));
  await Promise.all(volumes.map((v) => engine.removeVolume(v.name).catch(() => undefined)));
  const networks = await engine.networks(labelFilter(name));
  for (const n of networks) await engine.removeNetwork(n.id);
  return { containers: containers.length, networks: networks.length };
}
