import type { Engine } from './engine.js';

/** What fedsim asks of a running database node (a node's container is a component record: components/cassandra.ts, scylla.ts). */

/** Runs a command in a running container and returns what it printed (stdout and stderr). */
export async function execText(engine: Engine, container: string, cmd: string[], timeoutMs = 20_000): Promise<string> {
  return (await engine.exec(container, cmd, timeoutMs)).output;
}

/**
 * The schema versions a node sees and which addresses hold each (`nodetool describecluster`); an
 * unreachable node is listed under "UNREACHABLE". One version held by every node of the cluster
 * means the node sees them all up and agreeing on the schema.
 */
export async function schemaVersions(engine: Engine, container: string): Promise<Map<string, string[]>> {
  const out = await execText(engine, container, ['nodetool', 'describecluster']);
  const versions = new Map<string, string[]>();
  const block = /Schema versions:\n((?:\t\t.*\n)+)/.exec(out)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const m = /^\s*(\S+): \[(.*)\]/.exec(line);
    if (m)
      versions.set(
        m[1]!,
        m[2]!.split(',').map((a) => a.trim().replace(/:\d+$/, '')),
      );
  }
  return versions;
}

/**
 * Leaves the wipe marker in a stopped node's data directory: the image's entrypoint deletes the
 * data before Cassandra starts, so the node comes back empty, as after losing its disk.
 */
export function markForWipe(engine: Engine, container: string): Promise<void> {
  return engine.putFiles(container, '/var/lib/cassandra', { '.fedsim-wipe': 'wiped by fedsim\n' });
}
