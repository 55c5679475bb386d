import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FedsimError } from '../errors.js';
import { projectRoot } from '../paths.js';

/** The story `fedsim demo` tells unless asked for another: the Voedger federation losing its Main Cluster. */
export const DEMO_SCENARIO = 'voedger-federation';

/** The library's scenarios (scenarios/NAME.yaml of fedsim's own folder), by name. */
export function libraryScenarios(): string[] {
  return readdirSync(join(projectRoot, 'scenarios'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** The file of a library scenario; an unknown name is one sentence listing the library. */
export function libraryScenario(name: string): string {
  const library = libraryScenarios();
  if (!library.includes(name)) throw new FedsimError(`No library scenario "${name}"; the library has ${library.join(', ')}.`);
  return join(projectRoot, 'scenarios', `${name}.yaml`);
}
