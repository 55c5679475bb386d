import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/runtime/engine.js';
import { federationNames } from '../../src/runtime/federation.js';

/**
 * `fedsim demo` as a person runs it: in a terminal (a tmux pane of 100x30), with the live
 * dashboard, against the real engine. The screens it shows are captured as it runs.
 */
const root = join(import.meta.dirname, '../..');
const session = `fedsim-demo-${process.pid}`;
const out = join(mkdtempSync(join(tmpdir(), 'fedsim-demo-')), 'run');
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

afterAll(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
});

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
      `cd ${root} && node dist/src/cli.js demo --out ${out}; echo "EXIT=$?"; sleep 600`,
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
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).passed).toBe(true);
    expect(await federationNames(await connectEngine())).not.toContain('voedger-federation');
  }, 240_000);
});
