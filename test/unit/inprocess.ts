import { main } from '../../src/cli.js';
import type { CommandContext } from '../../src/commands/context.js';
import { takeEarlySignals } from '../../src/signals.js';

/**
 * A fedsim command line run in this process, through the CLI's own `main` (commander, the commands,
 * the one-line errors and exit codes), for tests that only read its exit code and lines: a spawned
 * CLI costs a Node start-up and the module loading (~0.5-2 s each on a busy 2-core machine), this a
 * few milliseconds. Files that prove the process itself (its exit status and stderr, a pipe, stdin)
 * still spawn dist/src/cli.js.
 *
 * No engine: the context's engine throws "No Docker engine", so a command that reached for it
 * before reading its input answers about the engine, as the spawned CLI does with DOCKER_HOST
 * pointing nowhere.
 */

// cli.ts imports signals.ts first, for the process it runs as: this one is vitest's worker, whose
// signals stay its own.
takeEarlySignals();

let queue: Promise<unknown> = Promise.resolve();

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `fedsim ARGS` run in `cwd` (relative paths are the user's) with `env` over this process's
 * environment (restored after); one at a time (the program is one).
 */
export function fedsimInProcess(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  const ran = queue.then(() => runOne(args, opts.cwd, opts.env ?? {}));
  queue = ran.catch(() => undefined);
  return ran;
}

async function runOne(args: string[], cwd: string | undefined, env: Record<string, string>): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const say = (line: string) => {
    stderr += `fedsim: ${line}\n`;
  };
  const ctx: CommandContext = {
    say,
    show: (line) => {
      stderr += `${line}\n`;
    },
    out: (text) => {
      stdout += text;
    },
    engine: () => Promise.reject(new Error('No Docker engine here: an in-process test command reached for the engine')),
    interrupt: () => new AbortController(),
  };
  const before = process.cwd();
  const exitCode = process.exitCode;
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  Object.assign(process.env, env);
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(args, ctx);
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    // A command's exit code (1: an expectation failed) is the run's, not the test worker's.
    process.exitCode = exitCode;
  }
}
