import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Duplex, PassThrough } from 'node:stream';
import Docker from 'dockerode';
import tar from 'tar-fs';
import { FedsimError, reason } from '../errors.js';
import { DEFAULT_ENDPOINT, discoverEngines, type EngineCandidate } from './discovery.js';
import { type Probe, waitUntil } from './wait.js';

/**
 * Over 400 lines with reason: the facade is one class, so the whole of what fedsim asks of Docker
 * reads in one place; connecting and provisioning the engine follow it.
 *
 * The Docker engine fedsim has reached, and the only file that speaks dockerode: every other module
 * reaches containers, networks, volumes and images through the verbs below, in fedsim's own words
 * and types (a rule in .dependency-cruiser.cjs and test/unit/layers.test.ts hold it). The verbs are
 * the seam a second runtime (Kubernetes) mirrors; docs/ARCHITECTURE.md says which.
 */

/**
 * What a container is created from, built from the plan by each component: Docker's create options
 * as fedsim uses them, declared here so that no dockerode type leaves this file.
 */
export interface ContainerSpec {
  name?: string;
  Image: string;
  Hostname?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  Labels?: Record<string, string>;
  /** `"9042/tcp": {}` */
  ExposedPorts?: Record<string, Record<string, never>>;
  /** Stdin kept open, closed once the one attached client goes (the reaper: holdStdin). */
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  AttachStdin?: boolean;
  HostConfig?: {
    /** Removed by the engine once it exits. */
    AutoRemove?: boolean;
    Memory?: number;
    CapAdd?: string[];
    ExtraHosts?: string[];
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    /** `container:<name>`: join another container's network namespace. */
    NetworkMode?: string;
    Binds?: string[];
  };
  /** The network it starts on, at a fixed address. */
  NetworkingConfig?: { EndpointsConfig: Record<string, { IPAMConfig: { IPv4Address?: string } }> };
}

/** Objects with all of these labels (`key=value`); labels.ts's labelFilter makes one. */
export type LabelFilter = { label: string[] };

/** A container as a listing shows it. */
export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Docker's word: running, paused, exited, created... */
  state: string;
  ports: { ip: string; published?: number; private: number }[];
}

/** A container as inspecting it shows it. */
export interface ContainerState {
  name: string;
  /** Docker's word: running, paused, exited, created... */
  status: string;
  running: boolean;
  paused: boolean;
  exitCode: number;
  oomKilled: boolean;
  pid: number;
  /** Container TCP port -> where it is published on this machine ("127.0.0.1:49153"). */
  published: Map<number, string>;
}

export interface NetworkSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export interface VolumeSummary {
  name: string;
  labels: Record<string, string>;
}

/** A build's, import's or pull's progress events, as the engine streams them. */
export type ProgressEvent = { stream?: string; error?: string };

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

/**
 * The text of a multiplexed Docker stream (a container without a TTY: logs, exec output): each
 * chunk follows an 8-byte frame header (stream, 3 zero bytes, size). The one demux: logs and exec.
 */
export function demux(buf: Buffer): string {
  const out: string[] = [];
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + size).toString());
    i += 8 + size;
  }
  return out.join('');
}

export class Engine {
  constructor(
    /** The raw client: this file's alone (test/unit/layers.test.ts holds every other file to the verbs). */
    private readonly docker: Docker,
    /** Where the engine was reached, for messages. */
    readonly endpoint: string,
    readonly version: string,
    readonly apiVersion: string,
    /** Why this engine: DOCKER_HOST, a docker context, which socket (runtime/discovery.ts). */
    readonly found = '',
  ) {}

  /** The engine's unix socket on this machine (to mount into a container), or undefined when it is reached over TCP. */
  get socketPath(): string | undefined {
    return this.endpoint.startsWith('unix://') ? this.endpoint.slice('unix://'.length) : undefined;
  }

  ping(): Promise<unknown> {
    return this.docker.ping();
  }

  // Containers.

  /** Containers with the labels; stopped ones too unless `running`. */
  async containers(filter: LabelFilter, opts: { running?: boolean } = {}): Promise<ContainerSummary[]> {
    const list = await this.docker.listContainers({ all: !opts.running, filters: filter });
    return list.map((c) => ({
      id: c.Id,
      name: c.Names[0]?.replace(/^\//, '') ?? c.Id,
      labels: c.Labels ?? {},
      state: c.State,
      ports: c.Ports.map((p) => ({ ip: p.IP, private: p.PrivatePort, ...(p.PublicPort ? { published: p.PublicPort } : {}) })),
    }));
  }

  /** A container's state and published ports; throws when there is no such container. */
  async inspect(container: string): Promise<ContainerState> {
    const info = await this.docker.getContainer(container).inspect();
    const published = new Map<number, string>();
    for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
      const [port, proto] = key.split('/');
      const binding = bindings?.[0];
      if (proto === 'tcp' && binding) published.set(Number(port), `127.0.0.1:${binding.HostPort}`);
    }
    const s = info.State;
    return {
      name: info.Name.replace(/^\//, ''),
      status: s.Status,
      running: s.Running,
      paused: s.Paused,
      exitCode: s.ExitCode,
      oomKilled: s.OOMKilled,
      pid: s.Pid,
      published,
    };
  }

  /** Creates a container (not started); its id. */
  async create(spec: ContainerSpec): Promise<string> {
    return (await this.docker.createContainer(spec)).id;
  }

  async start(container: string): Promise<void> {
    await this.docker.getContainer(container).start();
  }

  async pause(container: string): Promise<void> {
    await this.docker.getContainer(container).pause();
  }

  async unpause(container: string): Promise<void> {
    await this.docker.getContainer(container).unpause();
  }

  /** SIGKILL: the process gets no chance to flush or leave. */
  async kill(container: string): Promise<void> {
    await this.docker.getContainer(container).kill({ signal: 'SIGKILL' });
  }

  /** SIGTERM, then SIGKILL after `graceS` seconds. */
  async stop(container: string, graceS = 30): Promise<void> {
    await this.docker.getContainer(container).stop({ t: graceS });
  }

  async restart(container: string, graceS = 30): Promise<void> {
    await this.docker.getContainer(container).restart({ t: graceS });
  }

  /** Removes a container and its anonymous volumes, running or not; one already gone (or going) is fine. */
  async remove(container: string): Promise<void> {
    await this.docker
      .getContainer(container)
      .remove({ force: true, v: true })
      .catch((err) => {
        if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
      });
  }

  /** Output (stdout and stderr) and exit code of a command run inside a running container. */
  async exec(container: string, cmd: string[], timeoutMs = 20_000): Promise<{ code: number; output: string }> {
    const exec = await this.docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`${cmd.join(' ')} in ${container} took longer than ${timeoutMs / 1000} s`));
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(timer);
        resolve();
      });
      stream.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const info = await exec.inspect();
    return { code: info.ExitCode ?? -1, output: demux(Buffer.concat(chunks)) };
  }

  /**
   * Holds a created container's stdin open from this process (the container needs OpenStdin and
   * StdinOnce): when the connection closes, however this process ends (SIGKILL too: the kernel
   * closes its sockets), the container reads end of file. The connection keeps no process alive.
   */
  async holdStdin(container: string): Promise<{ close: () => void }> {
    const socket = (await this.docker
      .getContainer(container)
      .attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true })) as Duplex & { unref?: () => void };
    socket.on('error', () => undefined);
    socket.unref?.();
    return { close: () => socket.destroy() };
  }

  /**
   * Runs a command in a running container with this process's stdin, stdout and stderr, as
   * `docker exec -i[t]` does (a terminal when `tty`); its exit code.
   */
  async execAttached(container: string, cmd: string[], opts: { tty: boolean }): Promise<number> {
    const exec = await this.docker.getContainer(container).exec({
      Cmd: cmd,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: opts.tty,
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: opts.tty })) as Duplex;
    const stdin = process.stdin;
    const resize = () => void exec.resize({ h: process.stdout.rows ?? 24, w: process.stdout.columns ?? 80 }).catch(() => undefined);
    if (opts.tty) {
      if (stdin.isTTY) stdin.setRawMode(true);
      stream.pipe(process.stdout);
      resize();
      process.stdout.on('resize', resize);
    } else {
      // A live stream (frames as they come), not a buffer read to its end as `demux` takes.
      this.docker.modem.demuxStream(stream, process.stdout, process.stderr);
    }
    stdin.pipe(stream);
    try {
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
    } finally {
      stdin.unpipe(stream);
      if (opts.tty && stdin.isTTY) stdin.setRawMode(false);
      process.stdout.off('resize', resize);
      stdin.pause();
    }
    return (await exec.inspect()).ExitCode ?? -1;
  }

  /** A running container's cgroup limits: CFS quota (0 or -1: none) and memory (bytes, 0: none). */
  async limits(container: string): Promise<{ cpuQuota: number; memoryBytes: number }> {
    const h = (await this.docker.getContainer(container).inspect()).HostConfig;
    return { cpuQuota: h.CpuQuota ?? 0, memoryBytes: h.Memory ?? 0 };
  }

  /** Changes a running container's cgroup limits (`docker update`); a field left out is unchanged. */
  async updateLimits(container: string, l: { cpuQuota?: number; cpuPeriod?: number; memoryBytes?: number }): Promise<void> {
    await this.docker.getContainer(container).update({
      ...(l.cpuQuota !== undefined && { CpuQuota: l.cpuQuota }),
      ...(l.cpuPeriod !== undefined && { CpuPeriod: l.cpuPeriod }),
      ...(l.memoryBytes !== undefined && { Memory: l.memoryBytes }),
    });
  }

  /** CPU time a container has used since it started, in seconds (its cgroup's counter, as `docker stats` reads it). */
  async cpuSeconds(container: string): Promise<number> {
    const s = await this.docker.getContainer(container).stats({ stream: false });
    return s.cpu_stats.cpu_usage.total_usage / 1e9;
  }

  /** The container's log text (stdout and stderr), its last `tail` lines or all of it. */
  async logs(container: string, tail?: number): Promise<string> {
    const buf = (await this.docker
      .getContainer(container)
      .logs({ stdout: true, stderr: true, ...(tail !== undefined && { tail }) })) as unknown as Buffer;
    return demux(buf);
  }

  /**
   * A container's log as it grows, as `docker logs --follow` streams it: what it holds (its last
   * `tail` lines), then each new chunk, stdout's and stderr's in the order written, to `onText`.
   * Resolves when the container stops or is removed (the engine ends the stream) or `signal` aborts.
   */
  async followLogs(container: string, onText: (text: string) => void, opts: { tail?: number; signal?: AbortSignal } = {}): Promise<void> {
    const stream = (await this.docker
      .getContainer(container)
      .logs({ follow: true, stdout: true, stderr: true, ...(opts.tail !== undefined && { tail: opts.tail }) })) as unknown as Duplex;
    // A live stream, so modem's frame-by-frame demux (as execAttached), into one text stream whose
    // decoder keeps a character split across two frames whole.
    const text = new PassThrough();
    text.setEncoding('utf8');
    text.on('data', onText);
    // A frame after the end (the stream destroyed on abort) is dropped, not an unhandled error.
    text.on('error', () => undefined);
    this.docker.modem.demuxStream(stream, text, text);
    await new Promise<void>((resolve, reject) => {
      // Resolved once the text stream has handed on its last chunk.
      text.on('end', resolve);
      const finish = () => {
        if (!text.writableEnded) text.end();
      };
      const stop = () => {
        stream.destroy();
        finish();
      };
      if (opts.signal?.aborted) stop();
      opts.signal?.addEventListener('abort', stop, { once: true });
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', (err) => (opts.signal?.aborted ? finish() : reject(err)));
    });
  }

  /** Waits until a container ends; its exit code. */
  async waitExit(container: string): Promise<number> {
    return ((await this.docker.getContainer(container).wait()) as { StatusCode: number }).StatusCode;
  }

  /** Writes files (names may have folders) into a container's directory, created or stopped too. */
  async putFiles(container: string, path: string, files: Record<string, string>): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'fedsim-files-'));
    try {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), content);
      }
      const archive = tar.pack(dir, { entries: Object.keys(files) }) as unknown as NodeJS.ReadableStream;
      await this.docker.getContainer(container).putArchive(archive, { path });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // Networks.

  async networks(filter: LabelFilter): Promise<NetworkSummary[]> {
    return (await this.docker.listNetworks({ filters: filter })).map((n) => ({ id: n.Id, name: n.Name, labels: n.Labels ?? {} }));
  }

  /** A bridge network with one subnet; the engine refuses one overlapping another (that claims a slot). */
  async createNetwork(n: { name: string; subnet: string; gateway: string; labels: Record<string, string> }): Promise<void> {
    await this.docker.createNetwork({
      Name: n.name,
      Driver: 'bridge',
      CheckDuplicate: true,
      IPAM: { Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
      Labels: n.labels,
    });
  }

  /** Attaches a container to one more network at a fixed address. */
  async connect(network: string, container: string, address: string): Promise<void> {
    await this.docker.getNetwork(network).connect({ Container: container, EndpointConfig: { IPAMConfig: { IPv4Address: address } } });
  }

  /** Removes a network; one already gone is fine. */
  async removeNetwork(network: string): Promise<void> {
    await this.docker
      .getNetwork(network)
      .remove()
      .catch((err) => {
        if (statusOf(err) !== 404) throw err;
      });
  }

  // Volumes (fedsim keeps records in their labels: they outlive the process that wrote them).

  async volumes(filter: LabelFilter): Promise<VolumeSummary[]> {
    return ((await this.docker.listVolumes({ filters: filter })).Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.docker.createVolume({ Name: name, Labels: labels });
  }

  /** Removes a volume; one already gone is fine. */
  async removeVolume(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.docker
      .getVolume(name)
      .remove(opts.force ? { force: true } : {})
      .catch((err) => {
        if (statusOf(err) !== 404) throw err;
      });
  }

  // Images.

  /** An image's size in bytes; undefined when the engine does not have it. */
  async imageSize(ref: string): Promise<number | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Size;
    } catch {
      return undefined;
    }
  }

  /** Removes an image, containers of it or not; one already gone is fine. */
  async removeImage(ref: string): Promise<void> {
    await this.docker
      .getImage(ref)
      .remove({ force: true })
      .catch((err) => {
        if (statusOf(err) !== 404) throw err;
      });
  }

  /** Builds an image from a tar of its context; follow the returned stream with `follow`. */
  buildImage(
    context: NodeJS.ReadableStream,
    opts: { tag: string; buildargs: Record<string, string>; labels: Record<string, string> },
  ): Promise<NodeJS.ReadableStream> {
    return this.docker.buildImage(context, { t: opts.tag, buildargs: opts.buildargs, labels: opts.labels, rm: true, forcerm: true });
  }

  /** Imports a root file system tar as an image; follow the returned stream with `follow`. */
  importImage(rootfs: NodeJS.ReadableStream, opts: { repo: string; tag: string; changes: string[] }): Promise<NodeJS.ReadableStream> {
    return this.docker.importImage(rootfs as unknown as string, opts);
  }

  /** Pulls an image; false when it cannot be had. */
  async pull(ref: string): Promise<boolean> {
    try {
      const stream = await this.docker.pull(ref);
      await this.follow(stream, () => undefined);
      return true;
    } catch {
      return false;
    }
  }

  /** Follows a build, import or pull stream to its end; rejects on a stream error (a failed step is an event). */
  follow(stream: NodeJS.ReadableStream, onEvent: (event: ProgressEvent) => void): Promise<void> {
    return new Promise((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), onEvent),
    );
  }
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const DOCKERD_LOG = '/var/log/fedsim-dockerd.log';

/** dockerode's options for a candidate: DOCKER_HOST is read by the client itself (TLS variables too). */
function clientOptions(c: EngineCandidate, timeoutMs?: number): Docker.DockerOptions {
  // No keep-alive: idle sockets to the engine would hold a finished command open for a minute.
  const local = /^(unix|tcp|http):\/\//.test(c.endpoint);
  const base = { ...(timeoutMs !== undefined && { timeout: timeoutMs }), ...(local && { agent: new Agent({ keepAlive: false }) }) };
  if (c.fromEnv) return base as Docker.DockerOptions;
  if (c.endpoint.startsWith('unix://')) return { ...base, socketPath: c.endpoint.slice('unix://'.length) } as Docker.DockerOptions;
  const url = new URL(c.endpoint.replace(/^tcp:/, c.tlsDir ? 'https:' : 'http:'));
  const tls = c.tlsDir && {
    ca: readFileSync(join(c.tlsDir, 'ca.pem')),
    cert: readFileSync(join(c.tlsDir, 'cert.pem')),
    key: readFileSync(join(c.tlsDir, 'key.pem')),
  };
  return {
    ...base,
    protocol: url.protocol.replace(':', ''),
    host: url.hostname,
    port: url.port,
    ...(url.protocol === 'ssh:' && { username: url.username }),
    ...tls,
  } as Docker.DockerOptions;
}

/**
 * Reaches the engine found by discovery.ts (DOCKER_HOST, a docker context, else the first socket
 * that answers: system, rootless, Docker Desktop, Podman); a FedsimError saying where it looked.
 */
export async function connectEngine(timeoutMs = 5000): Promise<Engine> {
  const found = discoverEngines();
  if ('problem' in found)
    throw new FedsimError(`No Docker engine: ${found.problem}; choose another with \`docker context use\` or set DOCKER_HOST.`);
  const candidates = found.candidates.length ? found.candidates : [{ endpoint: DEFAULT_ENDPOINT, why: 'the system socket' }];
  const tried: string[] = [];
  let lastWhy = '';
  for (const c of candidates) {
    try {
      const v = await new Docker(clientOptions(c, timeoutMs)).version();
      // Later calls (image builds, log streams) can be long: only the first answer is bounded.
      return new Engine(new Docker(clientOptions(c)), c.endpoint, v.Version, v.ApiVersion, c.why);
    } catch (err) {
      lastWhy = reason(err);
      tried.push(`${c.endpoint} (${c.why}: ${lastWhy})`);
    }
  }
  throw new FedsimError(
    process.env.DOCKER_HOST
      ? `No Docker engine answers at DOCKER_HOST=${process.env.DOCKER_HOST} (${lastWhy}); start it or unset DOCKER_HOST.`
      : `No Docker engine answers at ${tried.join(', ')}; \`fedsim setup\` installs and starts one (as root on Debian), or set DOCKER_HOST.`,
  );
}

/** One ping: true when the engine answers within `timeoutMs`. */
export async function engineAnswers(engine: Engine, timeoutMs = 3000): Promise<boolean> {
  try {
    await Promise.race([engine.ping(), new Promise((_, reject) => setTimeout(reject, timeoutMs).unref())]);
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
        engine.ping(),
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
 * `fedsim setup`'s engine: like connectEngine, but where no engine answers, runs as root on Debian
 * and none was named (DOCKER_HOST, a docker context), installs Debian's docker.io and starts dockerd
 * in the background (no systemd here). Only setup and demo call it; doctor only diagnoses.
 */
export async function ensureEngine(say: (line: string) => void): Promise<Engine> {
  try {
    return await connectEngine();
  } catch (err) {
    // An engine the user named (DOCKER_HOST, a docker context) is theirs to start: never replaced.
    const found = discoverEngines();
    if ('problem' in found || found.candidates.some((c) => c.explicit) || !canProvision()) throw err;
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
  let engine: Engine | undefined;
  const answering: Probe = {
    what: 'dockerd to answer',
    check: async () => {
      engine = await connectEngine(2000);
      return undefined;
    },
  };
  const outcome = await waitUntil(answering, { timeoutMs: 60_000, everyMs: 500, say });
  if (!outcome.ready || !engine) throw new FedsimError(`dockerd was started but did not answer within 60 s; see ${DOCKERD_LOG}.`);
  return engine;
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
