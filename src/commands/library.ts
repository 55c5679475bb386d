import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readDocument } from '../common/document.js';
import { FedsimError } from '../errors.js';
import { projectRoot } from '../paths.js';
import type { CommandContext } from './context.js';

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

/** `fedsim scenarios [--json]`: the library, each scenario with the first sentence of its description. */
export async function scenariosCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<void> {
  const rows = libraryScenarios().map((name) => {
    const file = join(projectRoot, 'scenarios', `${name}.yaml`);
    const doc = readDocument(file) as { description?: unknown };
    const description = typeof doc.description === 'string' ? doc.description.trim().split(/(?<=\.)\s/)[0]! : '';
    return { name, file, description };
  });
  if (opts.json) return ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
  const width = Math.max(...rows.map((r) => r.name.length));
  ctx.out(rows.map((r) => `${r.name.padEnd(width)}  ${r.description}\n`).join(''));
  ctx.out(
    `\n\`fedsim demo --scenario NAME\` runs one on a local federation; \`fedsim run ${join(projectRoot, 'scenarios')}/NAME.yaml\` too.\n`,
  );
}
