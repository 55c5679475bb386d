import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import tar from 'tar-fs';
import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import { cacheDir, projectRoot } from '../paths.js';
import { CATALOG, type Component, type ComponentName, LOCAL_COMPONENTS } from './catalog.js';
import type { Engine } from './engine.js';
import { LABEL } from './labels.js';
import { debootstrapRootfs, stageRecipe } from './staging.js';

/** Where an image comes from: `auto` = one already present, else pull, else the local recipe. */
export type ImageSource = 'auto' | 'local' | 'registry';

export function imageSourceFrom(value: string | undefined): ImageSource {
  const v = value ?? process.env.FEDSIM_IMAGE_SOURCE ?? 'auto';
  if (v === 'auto' || v === 'local' || v === 'registry') return v;
  throw new FedsimError(`Unknown image source "${v}"; use auto, local or registry.`);
}

export function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesOf(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

const hashes = new Map<ComponentName, string>();
/**
 * The identity of a local recipe: its files, its version and staging inputs, and (for images built
 * FROM the base) the base's own hash. Same recipe, same tag, so an unchanged rebuild is a no-op.
 */
export function recipeHash(c: Component): string {
  const known = hashes.get(c.name);
  if (known) return known;
  if (!c.recipe) throw new Error(`${c.name} has no local recipe`);
  const h = createHash('sha256');
  h.update(JSON.stringify({ name: c.name, version: c.version, staging: c.recipe.staging }));
  const dir = join(projectRoot, 'docker', c.recipe.dir);
  for (const f of filesOf(dir)) {
    h.update(relative(dir, f));
    h.update(readFileSync(f));
  }
  if (c.name !== 'base') h.update(recipeHash(CATALOG.base));
  const hex = h.digest('hex').slice(0, 12);
  hashes.set(c.name, hex);
  return hex;
}

export function localTag(c: Component): string {
  return `fedsim/${c.name}:${c.version}-${recipeHash(c)}`;
}

export interface ImageStatus {
  component: ComponentName;
  source: 'local' | 'registry';
  ref: string;
  present: boolean;
  sizeBytes?: number;
  note?: string;
}

/** Every component with both its sources and whether each is present in the engine. */
export async function listImages(engine: Engine): Promise<ImageStatus[]> {
  const rows: ImageStatus[] = [];
  for (const c of Object.values(CATALOG)) {
    if (c.recipe) {
      const ref = localTag(c);
      const size = await engine.imageSize(ref);
      rows.push({ component: c.name, source: 'local', ref, present: size !== undefined, sizeBytes: size });
    }
    const size = await engine.imageSize(c.registry);
    rows.push({ component: c.name, source: 'registry', ref: c.registry, present: size !== undefined, sizeBytes: size, note: c.note });
  }
  return rows;
}

/** Follows a build or import stream; a FedsimError naming the component when a step fails. */
export async function follow(engine: Engine, stream: NodeJS.ReadableStream, component: string, say: Say): Promise<void> {
  let lastStep = '';
  let failure: string | undefined;
  const fail = (why: string) => new FedsimError(`Building the ${component} image failed${lastStep ? ` at "${lastStep}"` : ''}: ${why}`);
  await engine
    .follow(stream, (event) => {
      if (event.error) failure = event.error.trim();
      const line = event.stream?.trim();
      if (line?.startsWith('Step ')) {
        lastStep = line;
        say(`${component}: ${line}`);
      }
    })
    .catch((err) => {
      throw fail(reason(err));
    });
  // The engine reports a failed step as an event in the stream, not as a stream error.
  if (failure) throw fail(failure);
}

async function buildBase(engine: Engine, c: Component, say: Say): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const rootfs = mkdtempSync(join(cacheDir, 'rootfs-'));
  try {
    await debootstrapRootfs(rootfs, say);
    say('base: importing the root file system');
    const [repo, tag] = localTag(c).split(':') as [string, string];
    const tarProc = spawn('tar', ['--numeric-owner', '-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stream = await engine.importImage(tarProc.stdout, {
      repo,
      tag,
      changes: ['CMD ["/bin/bash"]', `LABEL ${LABEL.component}=base ${LABEL.recipeHash}=${recipeHash(c)}`],
    });
    await follow(engine, stream, 'base', say);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

async function buildFromRecipe(engine: Engine, c: Component, say: Say): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const context = mkdtempSync(join(cacheDir, `context-${c.name}-`));
  try {
    await stageRecipe(c, context, say);
    say(`${c.name}: docker build ${localTag(c)}`);
    const stream = await engine.buildImage(tar.pack(context) as unknown as NodeJS.ReadableStream, {
      tag: localTag(c),
      buildargs: { BASE: localTag(CATALOG.base) },
      labels: { [LABEL.component]: c.name, [LABEL.recipeHash]: recipeHash(c) },
    });
    await follow(engine, stream, c.name, say);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export interface BuildResult {
  component: ComponentName;
  ref: string;
  built: boolean;
  seconds: number;
}

/** Builds every local image that is missing (the base first); present ones are left as they are. */
export async function buildImages(engine: Engine, say: Say, only: ComponentName[] = LOCAL_COMPONENTS): Promise<BuildResult[]> {
  const wanted = LOCAL_COMPONENTS.filter((n) => only.includes(n) || (n === 'base' && only.length > 0));
  const results: BuildResult[] = [];
  for (const name of wanted) {
    const c = CATALOG[name];
    const ref = localTag(c);
    const t0 = performance.now();
    if ((await engine.imageSize(ref)) !== undefined) {
      results.push({ component: name, ref, built: false, seconds: 0 });
      continue;
    }
    say(`${name}: building ${ref} from docker/${c.recipe?.dir}`);
    if (name === 'base') await buildBase(engine, c, say);
    else await buildFromRecipe(engine, c, say);
    const seconds = (performance.now() - t0) / 1000;
    say(`${name}: built in ${seconds.toFixed(1)} s`);
    results.push({ component: name, ref, built: true, seconds });
  }
  return results;
}

export interface ResolvedImage {
  component: ComponentName;
  ref: string;
  source: 'local' | 'registry';
  /** How it was obtained, said to the user: present, pulled or built. */
  how: 'present' | 'pulled' | 'built';
}

/**
 * The image to run for a component, by the chosen source. `auto` prefers an image already present
 * (registry first, then local), then a pull, then the local recipe.
 */
export async function resolveImage(engine: Engine, name: ComponentName, source: ImageSource, say: Say): Promise<ResolvedImage> {
  const c = CATALOG[name];
  const local = c.recipe ? localTag(c) : undefined;
  if (source !== 'local') {
    if ((await engine.imageSize(c.registry)) !== undefined) return { component: name, ref: c.registry, source: 'registry', how: 'present' };
  }
  if (source !== 'registry' && local && (await engine.imageSize(local)) !== undefined) {
    return { component: name, ref: local, source: 'local', how: 'present' };
  }
  if (source !== 'local') {
    say(`${name}: pulling ${c.registry}`);
    if (await engine.pull(c.registry)) return { component: name, ref: c.registry, source: 'registry', how: 'pulled' };
    if (source === 'registry') {
      throw new FedsimError(
        `The ${name} image ${c.registry} cannot be pulled; check the registry connection, or use --image-source local.`,
      );
    }
    if (local) say(`${name}: ${c.registry} cannot be pulled; building the local recipe`);
  }
  if (!local) {
    throw new FedsimError(c.note ?? `${name} has no local recipe; use --image-source registry where its image can be pulled.`);
  }
  await buildImages(engine, say, [name]);
  return { component: name, ref: local, source: 'local', how: 'built' };
}
