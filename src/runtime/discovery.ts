import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a Docker (or Podman) engine is looked for, in the order users expect from the docker CLI
 * and testcontainers: DOCKER_HOST; a docker context (DOCKER_CONTEXT, else the config's
 * currentContext); then the sockets that exist, system first, then rootless Docker, Docker Desktop
 * and Podman. An explicit choice (DOCKER_HOST, a context) is the only candidate: fedsim does not
 * fall back to another engine than the one the user named. Pure over `env` and `fs`, so the order
 * is unit-tested with a temporary home.
 */
export interface EngineCandidate {
  /** `unix:///path`, `tcp://host:port`, `ssh://...`: the endpoint as Docker writes it. */
  endpoint: string;
  /** Why this one, for `fedsim doctor`: "DOCKER_HOST", "docker context colima (~/.docker/config.json)"... */
  why: string;
  /** From DOCKER_HOST: the client reads the TLS variables (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH) itself. */
  fromEnv?: true;
  /** The user's own choice (DOCKER_HOST or a context): fedsim neither falls back nor installs another. */
  explicit?: true;
  /** A context's TLS material (ca.pem, cert.pem, key.pem), when the context has any. */
  tlsDir?: string;
}

export interface DiscoveryFs {
  /** True when the path is a Unix socket. */
  isSocket(path: string): boolean;
  readText(path: string): string | undefined;
  exists(path: string): boolean;
}

export const realFs: DiscoveryFs = {
  isSocket: (p) => {
    try {
      return statSync(p).isSocket();
    } catch {
      return false;
    }
  },
  readText: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  exists: existsSync,
};

/** The endpoint of a named docker context, from its meta.json (contexts/meta/<sha256 of the name>/). */
function contextEndpoint(configDir: string, name: string, fs: DiscoveryFs): { host?: string; tlsDir?: string } {
  const hash = createHash('sha256').update(name).digest('hex');
  const text = fs.readText(join(configDir, 'contexts', 'meta', hash, 'meta.json'));
  if (!text) return {};
  try {
    const meta = JSON.parse(text) as { Endpoints?: { docker?: { Host?: string } } };
    const tlsDir = join(configDir, 'contexts', 'tls', hash, 'docker');
    return { host: meta.Endpoints?.docker?.Host, tlsDir: fs.exists(join(tlsDir, 'ca.pem')) ? tlsDir : undefined };
  } catch {
    return {};
  }
}

export type Discovery =
  | { candidates: EngineCandidate[] }
  /** A context named but not found or without a docker endpoint: said, not silently skipped. */
  | { candidates: []; problem: string };

export function discoverEngines(env: NodeJS.ProcessEnv = process.env, fs: DiscoveryFs = realFs, home = homedir()): Discovery {
  if (env.DOCKER_HOST) return { candidates: [{ endpoint: env.DOCKER_HOST, why: 'DOCKER_HOST', fromEnv: true, explicit: true }] };
  const configDir = env.DOCKER_CONFIG || join(home, '.docker');
  const configFile = join(configDir, 'config.json');
  let context = env.DOCKER_CONTEXT;
  let contextWhy = 'DOCKER_CONTEXT';
  if (!context) {
    const text = fs.readText(configFile);
    try {
      context = text ? (JSON.parse(text) as { currentContext?: string }).currentContext : undefined;
    } catch {
      context = undefined;
    }
    contextWhy = configFile;
  }
  // "default" is the context the docker CLI has when none is chosen: the system socket.
  if (context && context !== 'default') {
    const { host, tlsDir } = contextEndpoint(configDir, context, fs);
    if (!host)
      return {
        candidates: [],
        problem: `the docker context "${context}" (${contextWhy}) has no docker endpoint under ${configDir}/contexts`,
      };
    return {
      candidates: [{ endpoint: host, why: `docker context ${context} (${contextWhy})`, explicit: true, ...(tlsDir && { tlsDir }) }],
    };
  }
  const runtime = env.XDG_RUNTIME_DIR;
  const sockets: [string | undefined, string][] = [
    ['/var/run/docker.sock', 'the system socket'],
    [runtime && join(runtime, 'docker.sock'), 'rootless Docker ($XDG_RUNTIME_DIR/docker.sock)'],
    [join(home, '.docker', 'desktop', 'docker.sock'), 'Docker Desktop (~/.docker/desktop/docker.sock)'],
    [join(home, '.docker', 'run', 'docker.sock'), 'Docker Desktop (~/.docker/run/docker.sock)'],
    [runtime && join(runtime, 'podman', 'podman.sock'), 'Podman ($XDG_RUNTIME_DIR/podman/podman.sock)'],
    ['/run/podman/podman.sock', 'Podman, as root (/run/podman/podman.sock)'],
  ];
  return {
    candidates: sockets
      .filter((s): s is [string, string] => s[0] !== undefined && fs.isSocket(s[0]))
      .map(([path, why]) => ({ endpoint: `unix://${path}`, why })),
  };
}

/** Where fedsim would start looking when nothing is found: the system socket, as the docker CLI does. */
export const DEFAULT_ENDPOINT = 'unix:///var/run/docker.sock';
