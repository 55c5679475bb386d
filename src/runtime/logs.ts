import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Say } from '../common/say.js';
import { reason } from '../errors.js';
import { containerName } from '../topology/plan.js';
import type { Engine } from './engine.js';
import { LABEL, labelFilter } from './labels.js';

/**
 * Keeps each container's log of a federation (nodes, gateways, services, monitoring) in `dir` as
 * <name>.log, the name without the `fedsim-<federation>-` prefix: taken from the engine before the
 * federation is removed, so a run folder holds them whatever ends the run. The reaper is left out.
 * The names written; a container whose log cannot be read is skipped.
 */
export async function saveLogs(engine: Engine, federation: string, dir: string): Promise<string[]> {
  const containers = (await engine.containers(labelFilter(federation))).filter((c) => c.labels[LABEL.role] !== 'reaper');
  if (!containers.length) return [];
  mkdirSync(dir, { recursive: true });
  const prefix = containerName(federation, '');
  const saved = await Promise.all(
    containers.map(async (c) => {
      const name = c.name.startsWith(prefix) ? c.name.slice(prefix.length) : c.name;
      try {
        writeFileSync(join(dir, `${name}.log`), await engine.logs(c.id));
        return name;
      } catch {
        return undefined;
      }
    }),
  );
  return saved.filter((n): n is string => n !== undefined).sort();
}

/** saveLogs for a run's scope, before its federation is released: says what it kept, or why nothing; never throws. */
export async function keepLogs(engine: Engine, federation: string, dir: string, say: Say): Promise<void> {
  const saved = await saveLogs(engine, federation, dir).catch((err) => {
    say(`could not keep the containers' logs: ${reason(err)}`);
    return [];
  });
  if (saved.length) say(`logs of ${saved.length} containers kept in ${dir}`);
}
