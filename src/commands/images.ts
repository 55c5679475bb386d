import { FedsimError } from '../errors.js';
import { CATALOG, type ComponentName, LOCAL_COMPONENTS } from '../runtime/catalog.js';
import { connectEngine } from '../runtime/engine.js';
import { buildImages, listImages } from '../runtime/images.js';

const say = (line: string) => process.stderr.write(`fedsim: ${line}\n`);

function size(bytes?: number): string {
  return bytes === undefined ? '' : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** `fedsim images`: each component, each source, tag, present or not. */
export async function imagesCommand(opts: { json?: boolean }): Promise<void> {
  const rows = await listImages(await connectEngine());
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const lines = ['COMPONENT    SOURCE    PRESENT  SIZE     IMAGE'];
  for (const r of rows) {
    lines.push(
      `${r.component.padEnd(12)} ${r.source.padEnd(9)} ${(r.present ? 'yes' : 'no').padEnd(8)} ${size(r.sizeBytes).padEnd(8)} ${r.ref}`,
    );
  }
  for (const c of Object.values(CATALOG)) if (c.note) lines.push(`note: ${c.note}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `fedsim images build [components...]`: builds what is missing, with progress on stderr. */
export async function imagesBuildCommand(components: string[]): Promise<void> {
  for (const c of components) {
    if (!LOCAL_COMPONENTS.includes(c as ComponentName)) {
      throw new FedsimError(`"${c}" has no local recipe; choose from ${LOCAL_COMPONENTS.join(', ')}.`);
    }
  }
  const engine = await connectEngine();
  const t0 = performance.now();
  const results = await buildImages(engine, say, components.length ? (components as ComponentName[]) : LOCAL_COMPONENTS);
  for (const r of results)
    process.stdout.write(`${r.built ? 'built  ' : 'present'} ${r.ref}${r.built ? ` (${r.seconds.toFixed(1)} s)` : ''}\n`);
  process.stdout.write(`images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
