import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { up } from '../../src/runtime/bringup.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { federationNames, removeFederation } from '../../src/runtime/removal.js';
import { duo } from './topologies.js';

/**
 * `fedsim demo` as a person runs it: in a terminal (a tmux pane of 100x30), with the live
 * dashboard, against the real engine. The screens it shows are captured as it runs.
 */
const root = join(import.meta.dirname, '../..');
const session = `fedsim-demo-${process.pid}`;
const out = join(mkdtempSync(join(tmpdir(), 'fedsim-demo-')), 'run');
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
/** A person's terminal: CI is unset, as it is outside CI (where fedsim prints plain lines instead). */
const person = 'env -u CI -u CONTINUOUS_INTEGRATION';

afterAll(async () => {
  for (const s of [session, `${session}-watch`, `${session}-ci`]) {
    try {
      tmux('kill-session', '-t', s);
    } catch {
      // already gone
    }
  }
  await removeFederation(await connectEngine(), 'watched');
});

/** Polls the pane until its screen matches, or fails with the last screen. */
async function screenMatching(name: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-t', name);
    if (re.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the screen never matched ${re}:\n${screen}`);
}

describe('fedsim demo in a terminal', () => {
  it('shows the run live, a node going down, and ends on the verdict with nothing left behind', async () => {
    tmux(
      'new-session',
      '-d',
      '-s',
      session,
      '-x',
      '100',
      '-y',
      '30',
      `cd ${root} && ${person} node dist/src/cli.js demo --out ${out}; echo "EXIT=$?"; sleep 600`,
    );
    const screens: string[] = [];
    const deadline = Date.now() + 220_000;
    let screen = '';
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      screen = tmux('capture-pane', '-p', '-t', session);
      screens.push(screen);
      if (/EXIT=\d+/.test(screen)) break;
    }
    const whole = tmux('capture-pane', '-p', '-S', '-200', '-t', session);
    expect(whole, whole).toMatch(/EXIT=0/);
    // Live: the dashboard showed the run, and the Main Cluster's node down while it was killed.
    expect(screens.some((s) => /RUNNING/.test(s) && /^us-east-1\s+✖ 1 down/m.test(s))).toBe(true);
    expect(screens.some((s) => /▶ kill cluster:main/.test(s))).toBe(true);
    // The final screen: the verdict, then the summary the command prints.
    expect(whole).toMatch(/verdict: PASS, every expectation holds/);
    expect(whole).toMatch(/voedger-federation: PASS \(seed 1, \d+ s\)/);
    // The pane wraps a long path: the line's start, and the file.
    expect(whole).toMatch(/^report: \//m);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).passed).toBe(true);
    expect(await federationNames(await connectEngine())).not.toContain('voedger-federation');
  }, 240_000);

  it('fedsim watch shows a fault another process injects, h heals it, q leaves the federation up', async () => {
    const engine = await connectEngine();
    const fed = await up(engine, duo, { name: 'watched' });
    await fed.close();
    const pane = `${session}-watch`;
    tmux(
      'new-session',
      '-d',
      '-s',
      pane,
      '-x',
      '100',
      '-y',
      '30',
      `cd ${root} && ${person} node dist/src/cli.js watch watched; echo "EXIT=$?"; sleep 600`,
    );
    await screenMatching(pane, /WATCHING[\s\S]*^eu-west-1\s+● up/m);
    execFileSync(process.execPath, [join(root, 'dist/src/cli.js'), 'fault', 'pause', 'worker-eu-eu-west-1-1', '-f', 'watched']);
    const faulted = await screenMatching(pane, /▶ pause worker-eu-eu-west-1-1 until heal/);
    expect(faulted).toMatch(/^eu-west-1\s+‖ 1 paused/m);
    tmux('send-keys', '-t', pane, 'h');
    // The heal ends with the node answering; the screen follows within a node poll.
    await screenMatching(pane, /^eu-west-1\s+● up[\s\S]*none active[\s\S]*1 done/m);
    tmux('send-keys', '-t', pane, 'q');
    await screenMatching(pane, /EXIT=0/);
    expect(await federationNames(engine)).toContain('watched');
    // The same terminal in a CI job: plain lines a log can keep, and Ctrl-C stops watching.
    const ci = `${session}-ci`;
    tmux(
      'new-session',
      '-d',
      '-s',
      ci,
      '-x',
      '100',
      '-y',
      '30',
      `cd ${root} && CI=true node dist/src/cli.js watch watched; echo "EXIT=$?"; sleep 600`,
    );
    const plain = await screenMatching(ci, /\] phase: watching/);
    expect(plain).not.toMatch(/WATCHING/);
    tmux('send-keys', '-t', ci, 'C-c');
    await screenMatching(ci, /SIGINT: stopped watching; the federation stays up[\s\S]*EXIT=0/);
    expect(await federationNames(engine)).toContain('watched');
  }, 180_000);
});
