import { FedsimError } from '../errors.js';
import { LOCAL_COMPONENTS } from '../runtime/catalog.js';
import { discoverEngines } from '../runtime/discovery.js';
import type { Engine } from '../runtime/engine.js';
import { buildImages, type ImageStatus, listImages } from '../runtime/images.js';
import type { CommandContext } from './context.js';

/** What `fedsim doctor --json` prints (docs/CLI.md). */
export interface DoctorFindings {
  node: string;
  /** The engine reached, and why that one; or why none answered and where fedsim looked. */
  engine:
    | { found: true; endpoint: string; why: string; version: string; apiVersion: string }
    | { found: false; error: string; looked: { endpoint: string; why: string }[] };
  /** Each component's images, present or not; null without an engine. */
  images: ImageStatus[] | null;
}

/** Where discovery looks, in order, for the diagnosis when nothing answered. */
function looked(): { endpoint: string; why: string }[] {
  const found = discoverEngines();
  if ('problem' in found) return [];
  return found.candidates.map(({ endpoint, why }) => ({ endpoint, why }));
}

/**
 * `fedsim doctor [--json] [--fix]`: a diagnosis (Node, which engine was found and why, which images
 * are present) that changes nothing; exit 1 when no engine answers. `--fix` is `fedsim setup` first.
 */
export async function doctorCommand(ctx: CommandContext, opts: { json?: boolean; fix?: boolean }): Promise<void> {
  if (opts.fix) await setupCommand({ ...ctx, out: () => undefined }, {});
  let engine: Engine | undefined;
  let findings: DoctorFindings;
  try {
    engine = await ctx.engine();
    findings = {
      node: process.versions.node,
      engine: {
        found: true,
        endpoint: engine.endpoint,
        why: engine.found,
        version: engine.version,
        apiVersion: engine.apiVersion,
      },
      images: await listImages(engine),
    };
  } catch (err) {
    if (!(err instanceof FedsimError)) throw err;
    findings = { node: process.versions.node, engine: { found: false, error: err.message, looked: looked() }, images: null };
  }
  if (!findings.engine.found) process.exitCode = 1;
  if (opts.json) {
    ctx.out(`${JSON.stringify(findings, null, 2)}\n`);
    return;
  }
  const e = findings.engine;
  const out: string[] = [`node      ${findings.node}`];
  if (e.found) out.push(`engine    Docker ${e.version} (API ${e.apiVersion}) at ${e.endpoint}, found by ${e.why}`);
  else {
    out.push(`engine    none: ${e.error}`);
    out.push(
      e.looked.length
        ? `          looked at ${e.looked.map((l) => `${l.endpoint} (${l.why})`).join(', ')}`
        : '          no socket found (system, rootless, Docker Desktop, Podman)',
    );
    out.push('          `fedsim setup` installs and starts one (as root on Debian), or set DOCKER_HOST.');
  }
  if (findings.images) {
    out.push('images');
    out.push(
      ...findings.images.map((i) => `  ${i.present ? 'present' : 'missing'}  ${i.component.padEnd(16)} ${i.source.padEnd(8)} ${i.ref}`),
    );
    const missing = findings.images.filter((i) => i.source === 'local' && !i.present).map((i) => i.component);
    if (missing.length) out.push(`missing local images: ${missing.join(', ')}; \`fedsim images build\` or \`fedsim setup\` builds them.`);
  }
  ctx.out(`${out.join('\n')}\n`);
}

/** What `fedsim setup --json` prints (docs/CLI.md). */
export interface SetupResult {
  engine: { endpoint: string; why: string; version: string };
  images: { ref: string; built: boolean; seconds: number }[];
}

/**
 * `fedsim setup [--json]`: what `doctor` only diagnoses, done: an engine (installed and started as
 * root on Debian when none answers and none was named), then the local images that are missing.
 * What the README's two commands run first (`fedsim demo` and scripts/test.sh).
 */
export async function setupCommand(ctx: CommandContext, opts: { json?: boolean }): Promise<void> {
  const engine = await ctx.engine({ provision: true });
  ctx.say(`engine: Docker ${engine.version} at ${engine.endpoint} (${engine.found})`);
  const built = await buildImages(engine, ctx.say, LOCAL_COMPONENTS);
  const result: SetupResult = {
    engine: { endpoint: engine.endpoint, why: engine.found, version: engine.version },
    images: built.map((r) => ({ ref: r.ref, built: r.built, seconds: Number(r.seconds.toFixed(1)) })),
  };
  if (opts.json) {
    ctx.out(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  for (const r of result.images) ctx.out(`${r.built ? 'built  ' : 'present'} ${r.ref}${r.built ? ` (${r.seconds} s)` : ''}\n`);
  ctx.out(`ready: Docker ${engine.version} at ${engine.endpoint}; ${result.images.length} image(s)\n`);
}
