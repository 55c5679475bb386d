import type { Say } from '../common/say.js';
import type { Engine } from '../runtime/engine.js';
import { interruptController } from './interrupt.js';

/**
 * What every command gets from the process it runs in, once: where its lines and its result go,
 * the engine, and Ctrl-C. Commands write nothing to process.stdout or stderr themselves, so a
 * test or another front end can give them its own.
 */
export interface CommandContext {
  /** Progress and notices, one line each (stderr, after `fedsim: `). */
  say: Say;
  /** A view's own lines, as they are (stderr): the plain view timestamps its lines itself. */
  show: Say;
  /** The command's result, written as it is (stdout): what a script reads. */
  out: (text: string) => void;
  /** The Docker engine: reached, or with `provision` set up when missing (doctor, demo). */
  engine: (opts?: { provision?: boolean }) => Promise<Engine>;
  /**
   * SIGINT/SIGTERM as an AbortController: the first stops the command and cleans up (`onFirst`
   * says how, through `say`), a second exits at once.
   */
  interrupt: (say?: Say, onFirst?: string) => AbortController;
}

/** The context of the `fedsim` process: stderr, stdout, the engine at DOCKER_HOST, its signals. */
export function processContext(): CommandContext {
  const say: Say = (line) => process.stderr.write(`fedsim: ${line}\n`);
  return {
    say,
    show: (line) => process.stderr.write(`${line}\n`),
    out: (text) => process.stdout.write(text),
    // Loaded when a command asks for it: `fedsim check` and `validate` never load the engine's client.
    engine: async (opts) => {
      const { connectEngine, ensureEngine } = await import('../runtime/engine.js');
      return opts?.provision ? ensureEngine(say) : connectEngine();
    },
    interrupt: (to = say, onFirst) => interruptController(to, onFirst),
  };
}
