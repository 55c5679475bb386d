import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { Agent } from 'node:http';
import Docker from 'dockerode';
import { FedsimError, reason } from '../errors.js';

/** A Docker engine fedsim has reached: the only door to containers, networks and images. */
export interface Engine {
  docker: Docker;
  /** Where the engine was reached, for messages. */
  endpoint: string;
  version: string;
  apiVersion: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const DOCKERD_LOG = '/var/log/fedsim-dockerd.log';

function endpointOf(): string {
  return process.env.DOCKER_HOST ?? `unix://${DEFAULT_SOCKET}`;
}

/** Reaches the engine at DOCKER_HOST or the default socket; a FedsimError when nothing answers. */
export async function connectEngine(timeoutMs = 5000): Promise<Engine> {
  const endpoint = endpointOf();
  // No keep-alive: idle sockets to the engine would hold a finished command open for a minute.
  const agent = () =>
    endpoint.startsWith('unix://') || endpoint.startsWith('tcp://') || endpoint.startsWith('http://')
      ? new Agent({ keepAlive: false })
      : undefined;
  const docker = new Docker({ timeout: timeoutMs, agent: agent() } as Docker.DockerOptions);
  try {
    const v = await docker.version();
    // Later calls (image builds, log streams) can be long: only the first answer is bounded.
    return { docker: new Docker({ agent: agent() } as Docker.DockerOptions), endpoint, version: v.Version, apiVersion: v.ApiVersion };
  } catch (err) {
    throw new FedsimError(
      process.env.DOCKER_HOST
        ? `No Docker engine answers at DOCKER_HOST=${endpoint} (${reason(err)}); start it or unset DOCKER_HOST.`
        : `No Docker engine answers at ${endpoint} (${reason(err)}); run \`fedsim doctor\` as root to install and start one, or set DOCKER_HOST.`,
    );
  }
}

/** One ping: true when the engine answers within `timeoutMs`. */
export async function engineAnswers(engine: Engine, timeoutMs = 3000): Promise<boolean> {
  try {
    await Promise.race([engine.docker.ping(), new Promise((_, reject) => setTimeout(reject, timeoutMs).unref())]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Pings the engine every `everyMs`; when `misses` pings in a row fail or take longer than
 * `timeoutMs`, calls `onLost` once with why. Returns a stop function. A busy engine answers a ping
 * within milliseconds, so three slow ones in a row mean it is gone or hung.
 */
export function watchEngine(engine: Engine, onLost: (why: string) => void, everyMs = 2000, misses = 3, timeoutMs = 5000): () => void {
  let failed = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      await Promise.race([
        engine.docker.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
      failed = 0;
    } catch (err) {
      if (++failed >= misses && !stopped) {
        stopped = true;
        onLost(`the Docker engine at ${engine.endpoint} stopped answering (${reason(err)})`);
        return;
      }
    }
    if (!stopped) timer = setTimeout(tick, everyMs);
  };
  timer = setTimeout(tick, everyMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * Like connectEngine, but where no engine answers, runs as root on Debian and DOCKER_HOST is unset,
 * installs Debian's docker.io and starts dockerd in the background (no systemd here).
 */
export async function ensureEngine(say: (line: string) => void): Promise<Engine> {
  try {
    return await connectEngine();
  } catch (err) {
    if (process.env.DOCKER_HOST || !canProvision()) throw err;
  }
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
    say('no Docker engine: installing Debian docker.io (apt-get)');
    aptInstall(['docker.io']);
  }
  say(`starting dockerd in the background (log: ${DOCKERD_LOG})`);
  const log = openSync(DOCKERD_LOG, 'a');
  const child = spawn('dockerd', ['--host', `unix://${DEFAULT_SOCKET}`], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      return await connectEngine(2000);
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new FedsimError(`dockerd was started but did not answer within 60 s; see ${DOCKERD_LOG}.`);
}

function canProvision(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version');
}

let aptUpdated = false;
/** apt-get install as root on Debian; a FedsimError naming the packages when it fails. */
export function aptInstall(packages: string[]): void {
  if (!canProvision()) {
    throw new FedsimError(
      `fedsim needs ${packages.join(', ')}; install them (Debian: apt-get install ${packages.join(' ')}) and try again.`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps: string[][] = aptUpdated ? [] : [['update', '-qq']];
  steps.push(['install', '-y', '-qq', ...packages]);
  for (const args of steps) {
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (r.status !== 0) {
      const tail = (r.stderr || r.stdout || '').trim().split('\n').slice(-1)[0];
      throw new FedsimError(`apt-get ${args[0]} failed while installing ${packages.join(', ')}: ${tail}`);
    }
  }
  aptUpdated = true;
}
