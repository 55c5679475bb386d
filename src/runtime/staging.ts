import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Say } from '../common/say.js';
import { FedsimError } from '../errors.js';
import { cacheDir, projectRoot } from '../paths.js';
import type { Component, Staging } from './catalog.js';
import { aptInstall } from './engine.js';

/**
 * Host-side steps of the local recipes: what `docker build` cannot do here because containers do not
 * see the host's TLS trust store. Each fetches from a registry this machine reaches (Maven Central,
 * the Go module proxy, PyPI, Debian) into the cache, once per version.
 */

/** Runs a command, streaming nothing; its last output lines go into the error it throws. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; what: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new FedsimError(`${opts.what} could not start ${cmd}: ${err.message}.`)));
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const last = tail.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
      reject(new FedsimError(`${opts.what} failed (${cmd} exited ${code}): ${last}`));
    });
  });
}

function hasCommand(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
}

/** Fills `contextDir` with the recipe's files and staged artefacts. */
export async function stageRecipe(c: Component, contextDir: string, say: Say): Promise<void> {
  if (!c.recipe) throw new Error(`${c.name} has no recipe`);
  cpSync(join(projectRoot, 'docker', c.recipe.dir), contextDir, { recursive: true });
  const staging: Staging = c.recipe.staging;
  switch (staging.kind) {
    case 'maven':
      cpSync(await mavenLib(c, staging.properties, say), join(contextDir, 'lib'), { recursive: true });
      mkdirSync(join(contextDir, 'wheels'), { recursive: true });
      if (staging.wheels) cpSync(await pythonWheels(c, staging.wheels, say), join(contextDir, 'wheels'), { recursive: true });
      return;
    case 'go-install':
      cpSync(await goBinaries(c, staging.packages, staging.ldflags, say), join(contextDir, 'bin'), { recursive: true });
      return;
    case 'none':
    case 'debootstrap':
      return;
  }
}

/** The runtime classpath of a Maven recipe, via maven-dependency-plugin into the cache. */
async function mavenLib(c: Component, properties: Record<string, string>, say: Say): Promise<string> {
  const dest = join(cacheDir, `${c.name}-${c.version}`, 'lib');
  if (existsSync(join(dest, '.complete'))) return dest;
  if (!hasCommand('mvn')) {
    throw new FedsimError(
      `Building the ${c.name} image needs Maven (mvn) and a JDK to fetch its jars; install them (Debian: apt-get install maven) and try again.`,
    );
  }
  say(`${c.name}: fetching ${c.name} ${c.version} jars from Maven Central`);
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const props = Object.entries(properties).map(([k, v]) => `-D${k}=${v}`);
  await run(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      join(projectRoot, 'docker', c.recipe?.dir ?? c.name, 'pom.xml'),
      ...props,
      `-DoutputDirectory=${tmp}`,
      '-DincludeScope=runtime',
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
    ],
    { what: `Fetching the ${c.name} jars from Maven Central` },
  );
  if (readdirSync(tmp).length === 0)
    throw new FedsimError(`Maven fetched no jars for ${c.name}; check the Maven Central connection and try again.`);
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

/**
 * Python wheels (with their dependencies) for the image's Python, Debian bookworm's 3.11 on x86-64,
 * downloaded by the host's pip (binary only, so nothing compiles in the image).
 */
async function pythonWheels(c: Component, wheels: Record<string, string>, say: Say): Promise<string> {
  const wanted = Object.entries(wheels).map(([name, version]) => `${name}==${version}`);
  const dest = join(cacheDir, `${c.name}-${c.version}`, `wheels-${wanted.join('-')}`);
  if (existsSync(join(dest, '.complete'))) return dest;
  if (!hasCommand('python3')) {
    say(`${c.name}: installing python3-pip (apt-get) to fetch ${wanted.join(', ')}`);
    aptInstall(['python3-pip']);
  }
  say(`${c.name}: fetching ${wanted.join(', ')} from PyPI`);
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const target = ['--only-binary=:all:', '--python-version', '3.11', '--implementation', 'cp', '--platform', 'manylinux2014_x86_64'];
  await run('python3', ['-m', 'pip', 'download', '-q', ...target, '-d', tmp, ...wanted], {
    what: `Fetching ${wanted.join(', ')} from PyPI`,
  });
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

/** Static binaries built with `go install` through the Go module proxy, renamed as the recipe wants. */
async function goBinaries(c: Component, packages: Record<string, string>, ldflags: string, say: Say): Promise<string> {
  const dest = join(cacheDir, `${c.name}-${c.version}`, 'bin');
  if (existsSync(join(dest, '.complete'))) return dest;
  if (!hasCommand('go')) {
    throw new FedsimError(
      `Building the ${c.name} image needs Go >= 1.23 to compile it from the Go module proxy; install Go and try again.`,
    );
  }
  say(`${c.name}: compiling ${Object.values(packages).join(', ')} with go install`);
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const env = { ...process.env, GOBIN: tmp, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
  await run('go', ['install', '-ldflags', ldflags, ...Object.values(packages)], { env, what: `Compiling ${c.name}` });
  for (const [name, pkg] of Object.entries(packages)) {
    // go install names a binary after its package's folder (cmd/server -> server).
    const built = pkg.split('@')[0]?.split('/').pop() ?? name;
    renameSync(join(tmp, built), join(tmp, name));
  }
  writeFileSync(join(tmp, '.complete'), '');
  rmSync(dest, { recursive: true, force: true });
  renameSync(tmp, dest);
  return dest;
}

/** A Debian bookworm root file system made with debootstrap (root only), for `docker import`. */
export async function debootstrapRootfs(dir: string, say: Say): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new FedsimError('Building the base image runs debootstrap, which needs root; run `fedsim images build` as root once.');
  }
  if (!hasCommand('debootstrap')) {
    say('base: installing debootstrap (apt-get)');
    aptInstall(['debootstrap']);
  }
  say('base: debootstrap of Debian bookworm (minbase), about 30-60 s');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await run('bash', [join(projectRoot, 'docker', 'base', 'rootfs.sh'), dir], { what: 'Building the base image (debootstrap)' });
}
