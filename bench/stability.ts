/**
 * Stability: `region-outage` and `voedger-federation` run N times each, alternating, each run a fresh
 * federation through the CLI (`fedsim run`) under the shared engine lock (other users of the same
 * engine run between two runs, never during one). Prints every run's verdict with its recovery
 * (nodes answering CQL again, probed directly, vs fedsim's clients succeeding again, both after the
 * undo), the expectations that failed, and the passes in all and in a row.
 *   node dist/bench/stability.js [N=20] [SCENARIO…]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import type { Report } from '../src/report/report.js';

const LOCK = '/tmp/fedsim-engine.lock';
const [nArg, ...asked] = process.argv.slice(2);
const n = Number(nArg ?? 20);
const names = asked.length ? asked : ['region-outage', 'voedger-federation'];
const out = mkdtempSync(join(tmpdir(), 'fedsim-bench-stability-'));
const cli = join(projectRoot, 'dist/src/cli.js');
const secs = (ms?: number) => (ms === undefined ? '-' : `+${(ms / 1000).toFixed(1)} s`);

console.log(`${n} runs of each of ${names.join(', ')}, alternating; run folders under ${out}`);
const tally = new Map(names.map((x) => [x, { runs: 0, passes: 0, streak: 0, best: 0 }]));
for (let i = 1; i <= n; i++) {
  for (const name of names) {
    const dir = join(out, `${name}-${i}`);
    const t0 = performance.now();
    const r = spawnSync(
      'flock',
      [LOCK, process.execPath, cli, 'run', join(projectRoot, 'scenarios', `${name}.yaml`), '--no-ui', '--out', dir],
      {
        encoding: 'utf8',
      },
    );
    const wall = ((performance.now() - t0) / 1000).toFixed(0);
    const t = tally.get(name)!;
    t.runs++;
    const file = join(dir, 'report.json');
    if (!existsSync(file)) {
      t.streak = 0;
      console.log(
        `  ${name} #${i}: ERROR (exit ${r.status}, ${wall} s): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ')}`,
      );
      continue;
    }
    const report = JSON.parse(readFileSync(file, 'utf8')) as Report;
    if (report.passed) {
      t.passes++;
      t.streak++;
      t.best = Math.max(t.best, t.streak);
    } else t.streak = 0;
    const recovery = (report.recovery ?? [])
      .map(
        (x) => `${x.kind} ${x.target}: nodes answering ${secs(x.nodesAnsweringAfter)}, client succeeding ${secs(x.clientSucceedingAfter)}`,
      )
      .join('; ');
    const failed = report.expectations.filter((e) => !e.holds).map((e) => `${e.name}: ${e.summary}`);
    console.log(
      `  ${name} #${i}: ${report.passed ? 'PASS' : 'FAIL'} (${wall} s) ${recovery}${failed.length ? `\n    ${failed.join('\n    ')}` : ''}`,
    );
  }
}
for (const [name, t] of tally) console.log(`${name}: ${t.passes} of ${t.runs} passed; longest run of passes ${t.best}`);
