import { listImages } from '../runtime/images.js';
import type { CommandContext } from './context.js';

/** `fedsim doctor`: Node, the engine (provisioned where possible) and which images are present. */
export async function doctorCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<void> {
  const engine = await ctx.engine({ provision: true });
  const images = await listImages(engine);
  const findings = {
    node: process.versions.node,
    engine: { endpoint: engine.endpoint, version: engine.version, apiVersion: engine.apiVersion },
    images,
  };
  if (opts.json) {
    ctx.out(`${JSON.stringify(findings, null, 2)}\n`);
    return;
  }
  const out: string[] = [
    `node      ${findings.node}`,
    `engine    Docker ${engine.version} (API ${engine.apiVersion}) at ${engine.endpoint}`,
    'images',
    ...images.map((i) => `  ${i.present ? 'present' : 'missing'}  ${i.component.padEnd(16)} ${i.source.padEnd(8)} ${i.ref}`),
  ];
  const missing = images.filter((i) => i.source === 'local' && !i.present).map((i) => i.component);
  if (missing.length) out.push(`missing local images: ${missing.join(', ')}; \`fedsim images build\` builds them.`);
  ctx.out(`${out.join('\n')}\n`);
}
