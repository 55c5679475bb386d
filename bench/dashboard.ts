/**
 * Dashboard cost: the same scenario (partition-heal, on one reused federation) run with the live
 * dashboard in a terminal (a tmux pane) and with --no-ui, alternated A B B A. For each run, the CPU
 * time of the fedsim process (user + system, from bash's `times`) over its wall time, and the
 * workload's throughput from its report. Target: the dashboard adds <= 5% of one core, and no
 * measurable loss of throughput.
 *   node dist/bench/dashboard.js
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages } from '../src/runtime/images.js';
import { removeFederation } from '../src/runtime/removal.js';

const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const dir = mkdtempSync(join(tmpdir(), 'fedsim-bench-ui-'));
const scenario = join(dir, 'bench-ui.yaml');
writeFileSync(
  scenario,
  readFileSync(join(projectRoot, 'scenarios/partition-heal.yaml'), 'utf8')
    .replace('name: partition-heal', 'name: bench-ui')
    .replace('topology: ../topologies/', `topology: ${projectRoot}/topologies/`)
    .concat('after: reuse\n'),
);
const cli = join(projectRoot, 'dist/src/cli.js');
const seconds = (t: string) => {
  const m = /(\d+)m([\d.]+)s/.exec(t)!;
  return Number(m[1]) * 60 + Number(m[2]);
};

/** One run; CPU seconds of the fedsim process, its wall seconds, and the workload's ops/s. */
function run(i: number, ui: boolean): { cpu: number; wall: number; opsPerSec: number } {
  const out = join(dir, `run-${i}`);
  const cpuFile = join(dir, `cpu-${i}.txt`);
  const command = `node ${cli} run ${scenario} --out ${out}${ui ? '' : ' --no-ui'} > ${dir}/out-${i}.txt 2>&1; times > ${cpuFile}`;
  const t0 = performance.now();
  if (ui) {
    // The dashboard needs a terminal: a 100x30 tmux pane, whose screen nobody reads.
    const session = `fedsim-bench-${process.pid}-${i}`;
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '100', '-y', '30', `bash -c '${command.replace(/> \S+ 2>&1/, '')}'`]);
    while (!existsSync(cpuFile) || !readFileSync(cpuFile, 'utf8').trim()) spawnSync('sleep', ['0.5']);
    spawnSync('tmux', ['kill-session', '-t', session]);
  } else spawnSync('bash', ['-c', command]);
  const wall = (performance.now() - t0) / 1000;
  const children = readFileSync(cpuFile, 'utf8').trim().split('\n')[1]!.split(/\s+/);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  return { cpu: seconds(children[0]!) + seconds(children[1]!), wall, opsPerSec: report.operations.total / report.seconds.run };
}

try {
  run(0, false); // brings the federation up; the measured runs reuse it
  const results = [true, false, false, true, true, false].map((ui, i) => ({ ui, ...run(i + 1, ui) }));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const of = (ui: boolean) => results.filter((r) => r.ui === ui);
  console.log('partition-heal on a reused federation, 25 s of workload per run, runs alternated:');
  for (const r of results)
    console.log(
      `  ${r.ui ? 'dashboard' : '--no-ui  '}  CPU ${r.cpu.toFixed(2)} s over ${r.wall.toFixed(1)} s = ${((r.cpu / r.wall) * 100).toFixed(1)}% of a core; workload ${r.opsPerSec.toFixed(1)} ops/s`,
    );
  const share = (rs: typeof results) => median(rs.map((r) => r.cpu / r.wall));
  console.log(
    `dashboard adds ${((share(of(true)) - share(of(false))) * 100).toFixed(1)}% of one core (median ${(share(of(true)) * 100).toFixed(1)}% vs ${(share(of(false)) * 100).toFixed(1)}%; target <= 5%); throughput ${median(of(true).map((r) => r.opsPerSec)).toFixed(1)} vs ${median(of(false).map((r) => r.opsPerSec)).toFixed(1)} ops/s`,
  );
} finally {
  await removeFederation(engine, 'bench-ui');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
