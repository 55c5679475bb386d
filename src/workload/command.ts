import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { reason } from '../errors.js';
import type { ExitLine, HistoryWriter } from './history.js';
import type { CommandWorkload } from './kinds.js';
import { OperationReader } from './operations.js';

/**
 * The `command` workload: any program, run as a client of a region, that writes its operations
 * as JSON lines on stdout (docs/OPERATIONS.md). It starts with the warm-up; at the end of the run
 * fedsim sends SIGTERM to it if it still runs. How it ended (exit code, lines that were not
 * operations) is an exit line of the history, so `fedsim check` judges it again.
 */

/** How long a program is given to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

export interface CommandContext {
  history: HistoryWriter;
  clock: Clock;
  /** The scenario file's folder: the program runs there. */
  cwd: string;
  /** The run folder: its stderr goes to `<name>.stderr` there. */
  dir?: string;
  regions: string[];
  clusters: string[];
  /** The cluster its operations default to. */
  cluster: string;
  /** Variables that tell it where it stands: FEDSIM_REGION, FEDSIM_SECONDS... */
  env: Record<string, string>;
  /** The pid holding its region's client network namespace: the program is entered into it (nsenter -n). */
  netns?: number;
}

export class CommandRun {
  private child?: ChildProcess;
  private stopped = false;
  private lastStderr = '';
  private readonly reader: OperationReader;
  readonly done: Promise<ExitLine>;

  constructor(
    readonly spec: CommandWorkload,
    private readonly ctx: CommandContext,
  ) {
    this.reader = new OperationReader({
      workload: spec.name,
      region: spec.region,
      cluster: ctx.cluster,
      regions: new Set(ctx.regions),
      clusters: new Set(ctx.clusters),
      history: ctx.history,
      clock: ctx.clock,
    });
    this.done = this.start();
  }

  private start(): Promise<ExitLine> {
    const { spec, ctx } = this;
    const program = typeof spec.run === 'string' ? ['/bin/sh', '-c', spec.run] : spec.run;
    // In its region's namespace its connections to other regions meet the DNAT rules to the region's gateway.
    const [file, ...args] = ctx.netns === undefined ? program : ['nsenter', '-t', String(ctx.netns), '-n', '--', ...program];
    return new Promise<ExitLine>((resolve) => {
      const child = spawn(file!, args, {
        cwd: ctx.cwd,
        env: { ...process.env, ...ctx.env, ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      this.child = child;
      const errLog = ctx.dir ? createWriteStream(join(ctx.dir, `${spec.name}.stderr`)) : undefined;
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let spawnError: string | undefined;
      let streams = 2;
      const finish = () => {
        if (streams > 0 || (!exited && !spawnError)) return;
        this.reader.end();
        this.reader.finalReads();
        errLog?.end();
        const line: ExitLine = {
          type: 'exit',
          t: ctx.clock.now(),
          workload: spec.name,
          code: exited?.code ?? null,
          ...(exited?.signal && { signal: exited.signal }),
          ...(this.stopped && { stopped: true }),
          ...(spawnError && { error: spawnError }),
          operations: this.reader.operations,
          invalid: this.reader.invalid,
          ...(this.reader.firstInvalid && { firstInvalid: this.reader.firstInvalid }),
          ...(this.lastStderr && { stderr: this.lastStderr.slice(0, 240) }),
        };
        ctx.history.add(line);
        resolve(line);
      };
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => this.reader.feed(chunk));
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        errLog?.write(chunk);
        const lines = chunk.split('\n').filter((l) => l.trim());
        if (lines.length) this.lastStderr = lines.at(-1)!.trim();
      });
      for (const s of [child.stdout!, child.stderr!])
        s.on('close', () => {
          streams--;
          finish();
        });
      child.on('error', (err) => {
        spawnError = `it could not be started: ${reason(err)}`;
        finish();
      });
      child.on('exit', (code, signal) => {
        exited = { code, signal };
        finish();
      });
    });
  }

  /** The end of the run: SIGTERM if it still runs, SIGKILL after a grace; resolves with how it ended. */
  async stop(): Promise<ExitLine> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && !child.killed) {
      this.stopped = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.done;
      clearTimeout(timer);
    }
    return this.done;
  }

  /** Interrupted: ends it at once. */
  kill(): void {
    this.child?.kill('SIGKILL');
  }
}
