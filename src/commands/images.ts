import { FedsimError } from '../errors.js';
import { CATALOG, type ComponentName, LOCAL_COMPONENTS } from '../runtime/catalog.js';
import { buildImages, listImages } from '../runtime/images.js';
import type { CommandContext } from './context.js';

function size(bytes?: number): string {
  return bytes === undefined ? '' : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** `fedsim images`: each component, each source, tag, present or not. */
export async function imagesCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<void> {
  const rows = await listImages(await ctx.engine());
  if (opts.json) {
    ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const lines = ['COMPONENT    SOURCE    PRESENT  SIZE     IMAGE'];
  for (const r of rows) {
    lines.push(
      `${r.component.padEnd(16)} ${r.source.padEnd(9)} ${(r.present ? 'yes' : 'no').padEnd(8)} ${size(r.sizeBytes).padEnd(8)} ${r.ref}`,
    );
  }
  for (const c of Object.values(CATALOG)) if (c.note) lines.push(`note: ${c.note}`);
  ctx.out(`${lines.join('\n')}\n`);
}

/** `fedsim images build [components...]`: builds what is missing, with progress on stderr. */
export async function imagesBuildCommand(ctx: CommandContext, components: string[], opts: { json?: boolean } = {}): Promise<void> {
  for (const c of components) {
    if (!LOCAL_COMPONENTS.includes(c as ComponentName)) {
      throw new FedsimError(`"${c}" has no local recipe; choose from ${LOCAL_COMPONENTS.join(', ')}.`);
    }
  }
  const engine = await ctx.engine();
  const t0 = performance.now();
  const results = await buildImages(engine, ctx.say, components.length ? (components as ComponentName[]) : LOCAL_COMPONENTS);
  if (opts.json)
    return ctx.out(
      `${JSON.stringify(
        results.map((r) => ({ ref: r.ref, built: r.built, seconds: Number(r.seconds.toFixed(1)) })),
        null,
        2,
      )}\n`,
    );
  for (const r of results) ctx.out(`${r.built ? 'built  ' : 'present'} ${r.ref}${r.built ? ` (${r.seconds.toFixed(1)} s)` : ''}\n`);
  ctx.out(`images ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
