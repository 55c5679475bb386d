import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DiscoveryFs, discoverEngines, realFs } from '../../src/runtime/discovery.js';

/**
 * The engine discovery order over a machine made in a temporary folder: real Unix sockets and real
 * docker config files under `root`, seen by discovery at the absolute paths a machine has them
 * (/var/run/docker.sock, /home/u/.docker/...), so the machine's own sockets play no part.
 */
const root = mkdtempSync(join(tmpdir(), 'fedsim-discovery-'));
const servers: Server[] = [];
const HOME = '/home/u';
const RUNTIME = '/run/user/1000';
const inRoot = (p: string) => join(root, p);
const fs: DiscoveryFs = {
  isSocket: (p) => realFs.isSocket(inRoot(p)),
  readText: (p) => realFs.readText(inRoot(p)),
  exists: (p) => realFs.exists(inRoot(p)),
};

async function socket(path: string): Promise<void> {
  mkdirSync(dirname(inRoot(path)), { recursive: true });
  const s = createServer();
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(inRoot(path), resolve));
}

function file(path: string, text: string): void {
  mkdirSync(dirname(inRoot(path)), { recursive: true });
  writeFileSync(inRoot(path), text);
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const env = { XDG_RUNTIME_DIR: RUNTIME };
const found = (e: NodeJS.ProcessEnv = env) => {
  const d = discoverEngines(e, fs, HOME);
  return 'problem' in d ? d.problem : d.candidates.map((c) => `${c.endpoint} <- ${c.why}`);
};

describe('engine discovery', () => {
  it('finds nothing on a machine with no socket, and each socket in the order users expect once present', async () => {
    expect(found()).toEqual([]);
    // Added last-first: each new one goes ahead of those already there.
    await socket('/run/podman/podman.sock');
    expect(found()).toEqual(['unix:///run/podman/podman.sock <- Podman, as root (/run/podman/podman.sock)']);
    await socket(`${RUNTIME}/podman/podman.sock`);
    await socket(`${HOME}/.docker/run/docker.sock`);
    await socket(`${HOME}/.docker/desktop/docker.sock`);
    await socket(`${RUNTIME}/docker.sock`);
    await socket('/var/run/docker.sock');
    expect(found()).toEqual([
      'unix:///var/run/docker.sock <- the system socket',
      `unix://${RUNTIME}/docker.sock <- rootless Docker ($XDG_RUNTIME_DIR/docker.sock)`,
      `unix://${HOME}/.docker/desktop/docker.sock <- Docker Desktop (~/.docker/desktop/docker.sock)`,
      `unix://${HOME}/.docker/run/docker.sock <- Docker Desktop (~/.docker/run/docker.sock)`,
      `unix://${RUNTIME}/podman/podman.sock <- Podman ($XDG_RUNTIME_DIR/podman/podman.sock)`,
      'unix:///run/podman/podman.sock <- Podman, as root (/run/podman/podman.sock)',
    ]);
    // Without XDG_RUNTIME_DIR the rootless and user Podman sockets are not looked for.
    expect(found({})).toHaveLength(4);
  });

  it('a file that is not a socket is not an engine', () => {
    file('/opt/not-a-socket/docker.sock', 'x');
    expect(fs.isSocket('/opt/not-a-socket/docker.sock')).toBe(false);
  });

  it('a docker context (the config currentContext, or DOCKER_CONTEXT) comes before any socket, and alone', () => {
    const meta = (name: string, host: string) =>
      file(
        `${HOME}/.docker/contexts/meta/${createHash('sha256').update(name).digest('hex')}/meta.json`,
        JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
      );
    meta('colima', `unix://${HOME}/.colima/default/docker.sock`);
    meta('remote', 'tcp://10.0.0.5:2376');
    file(`${HOME}/.docker/config.json`, JSON.stringify({ auths: {}, currentContext: 'colima' }));
    expect(found()).toEqual([`unix://${HOME}/.colima/default/docker.sock <- docker context colima (${HOME}/.docker/config.json)`]);
    expect(found({ ...env, DOCKER_CONTEXT: 'remote' })).toEqual(['tcp://10.0.0.5:2376 <- docker context remote (DOCKER_CONTEXT)']);
    // "default" is the docker CLI's name for no context: the sockets again.
    expect(found({ ...env, DOCKER_CONTEXT: 'default' })[0]).toBe('unix:///var/run/docker.sock <- the system socket');
    // A context that is named but not there is said, not skipped for another engine.
    expect(found({ ...env, DOCKER_CONTEXT: 'gone' })).toBe(
      `the docker context "gone" (DOCKER_CONTEXT) has no docker endpoint under ${HOME}/.docker/contexts`,
    );
    // DOCKER_CONFIG moves the whole folder.
    expect(found({ ...env, DOCKER_CONFIG: '/elsewhere' })[0]).toBe('unix:///var/run/docker.sock <- the system socket');
  });

  it('DOCKER_HOST wins over everything, and is the only candidate', () => {
    const d = discoverEngines({ ...env, DOCKER_HOST: 'tcp://127.0.0.1:2375', DOCKER_CONTEXT: 'colima' }, fs, HOME);
    expect(d).toEqual({ candidates: [{ endpoint: 'tcp://127.0.0.1:2375', why: 'DOCKER_HOST', fromEnv: true, explicit: true }] });
  });
});
