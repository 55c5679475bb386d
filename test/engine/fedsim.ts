import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';

/** fedsim's CLI as a user runs it, from the built dist/, for the engine tests. */
export const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli.js');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Date.now() when the process ended. */
  exitedAt: number;
}

/**
 * A fedsim process, asynchronous so the test's own timers keep going: `done` when it ends, and
 * `when(text)` once its stderr contains text.
 */
export function fedsim(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.filter((x) => stderr.includes(x.text))) w.resolve();
  });
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, exitedAt: Date.now() })));
  const when = (text: string) =>
    new Promise<void>((resolve) => {
      if (stderr.includes(text)) resolve();
      else waiters.push({ text, resolve });
    });
  return { child, done, when };
}

/** `fedsim run --no-ui ARGS` to its end. */
export function fedsimRun(args: string[]): Promise<Finished> {
  return fedsim(['run', '--no-ui', ...args]).done;
}

/** `fedsim check` of a run folder alone derives the run's verdict again, expectation by expectation. */
export async function expectSameVerdictAgain(dir: string, report: { passed: boolean; expectations: unknown[] }): Promise<void> {
  const again = await fedsim(['check', dir, '--json']).done;
  expect(again.code, again.stderr).toBe(report.passed ? 0 : 1);
  const rechecked = JSON.parse(again.stdout);
  expect(rechecked.passed).toBe(report.passed);
  expect(rechecked.expectations).toEqual(report.expectations);
}
