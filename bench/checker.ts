/**
 * Checker cost: every checker over generated histories of 10^5 and 10^6 operations (and 10^7 with
 * --huge), each size in its own process so its peak memory is its own, and each checker timed.
 * Then a 10^6 history written to JSONL and, in a fresh process, loaded and checked as `fedsim check`
 * does, and then given to `fedsim check` itself (the CLI in a fresh process, modules and all).
 * Target (10^6): <= 3 s, <= 500 MB.
 *   node dist/bench/checker.js [--huge]
 *   node dist/bench/checker.js --child-load FILE | --child-cli FILE   (one saved history)
 * With --baseline ROOT (another fedsim checkout, built: e.g. a `git worktree` of main's HEAD), the
 * CLI figure is `fedsim check` of this tree and of ROOT's on the same file, alternated (--reps N,
 * default 3), each a fresh process: medians of wall time (spawn to exit), CPU time and peak RSS,
 * and whether the two print the same --json verdict. --cli-only skips the in-process tables.
 *   node dist/bench/checker.js --baseline /tmp/fedsim-main [--reps 5] [--cli-only]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkRun, runCheckers } from '../src/checkers/all.js';
import type { Verdict } from '../src/checkers/verdict.js';
import { seededRandom } from '../src/common/random.js';
import type { FaultRecord } from '../src/faults/log.js';
import { HistoryWriter, loadHistory, type MetaLine } from '../src/workload/history.js';
import { WorkloadSchema } from '../src/workload/spec.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];
const meta: MetaLine = {
  type: 'meta',
  federation: 'bench',
  shape: 'federation',
  regions: REGIONS,
  clusters: {
    main: { regions: ['us-east-1'], role: 'main', nodes: { 'main-us-east-1-1': 'us-east-1' } },
    'w-eu': { regions: ['eu-west-1'], role: 'worker', nodes: { 'w-eu-1': 'eu-west-1', 'w-eu-2': 'eu-west-1' } },
    'w-ap': { regions: ['ap-south-1'], role: 'worker', nodes: { 'w-ap-1': 'ap-south-1' } },
  },
  workload: WorkloadSchema.parse({}),
  startedAt: new Date(0).toISOString(),
};
const HOME: Record<string, [string, string[]]> = {
  'us-east-1': ['main', ['main-us-east-1-1']],
  'eu-west-1': ['w-eu', ['w-eu-1', 'w-eu-2']],
  'ap-south-1': ['w-ap', ['w-ap-1']],
};

/** A time on the run's clock as a run writes it: ms rounded to the µs (Clock.now). */
const us = (ms: number) => Math.round(ms * 1000) / 1000;

/** A history of n operations, written through the same writer as a run (to `file` when given). */
function generate(n: number, file?: string): HistoryWriter {
  const random = seededRandom(42);
  const w = new HistoryWriter(meta, file);
  const workspaces = REGIONS.flatMap((r) => Array.from({ length: 10 }, (_, i) => `${r}-w${i}`));
  const finals = new Map<string, number[]>(workspaces.map((ws) => [ws, []]));
  // Each workspace created first (ids after the n operations), so the registry has its creates.
  workspaces.forEach((workspace, i) => {
    const id = n + i;
    w.add({ type: 'invoke', id, t: 0, region: 'us-east-1', kind: 'create', workspace, cluster: 'main' });
    w.add({ type: 'ok', id, t: 1, coordinator: 'main-us-east-1-1' });
  });
  for (let id = 0; id < n; id++) {
    const ws = workspaces[Math.floor(random() * workspaces.length)]!;
    const region = REGIONS[Math.floor(random() * REGIONS.length)]!;
    const [cluster, nodes] = HOME[ws.slice(0, ws.lastIndexOf('-w'))]!;
    const write = random() < 0.6;
    const t = us(id * 0.1);
    const r = random();
    const outcome = r < 0.98 ? 'ok' : r < 0.99 ? 'info' : 'fail';
    w.add({ type: 'invoke', id, t, region, kind: write ? 'write' : 'read', workspace: ws, cluster, element: write ? id : undefined });
    w.add({ type: outcome, id, t: us(t + 2 + random() * 200), coordinator: outcome === 'ok' ? nodes[id % nodes.length] : undefined });
    if (write && (outcome === 'ok' || (outcome === 'info' && random() < 0.5))) finals.get(ws)!.push(id);
  }
  w.add({
    type: 'registry',
    t: n,
    workspaces: Object.fromEntries(workspaces.map((ws) => [ws, HOME[ws.slice(0, ws.lastIndexOf('-w'))]![0]])),
  });
  for (const [workspace, elements] of finals)
    w.add({ type: 'final-read', t: n, workspace, cluster: HOME[workspace.slice(0, workspace.lastIndexOf('-w'))]![0], elements });
  for (const [r, [cluster]] of Object.entries(HOME))
    w.add({ type: 'residency', t: n, cluster, workspaces: workspaces.filter((x) => x.startsWith(r)) });
  return w;
}

const faults: FaultRecord[] = [
  {
    id: 'f1',
    kind: 'kill',
    target: 'w-eu-1',
    params: {},
    directions: [],
    nodes: ['w-eu-1'],
    asked: { t: 1000, wall: '' },
    effect: { t: 1001, wall: '' },
    undone: { t: 5000, wall: '' },
  },
];

const mb = () => (process.resourceUsage().maxRSS / 1024).toFixed(0);

interface CliRun {
  wall: number;
  cpu: number;
  rss: number;
  code: number;
  stdout: string;
}

/**
 * Runs `fedsim check` of a given CLI, loading nothing else first, and reports its exit code, CPU
 * time (every thread) and peak RSS as the process measures them at exit. A file of its own, not
 * `node -e`: the judging thread inherits the process's execArgv (--input-type would break it).
 */
const CLI_RUN = `const [cli, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], 'fedsim', 'check', ...args];
process.on('exit', (code) => {
  const r = process.resourceUsage();
  process.stderr.write('\\n' + JSON.stringify({ code, cpu: (r.userCPUTime + r.systemCPUTime) / 1e6, rss: r.maxRSS / 1024 }) + '\\n');
});
await import(cli);
`;

/** `fedsim check FILE` of the tree at root (its built dist/src/cli.js) in a fresh process: wall time from spawn to exit. */
function cliRun(root: string, file: string, json = false): CliRun {
  const runner = join(dirname(file), 'cli-run.mjs');
  if (!existsSync(runner)) writeFileSync(runner, CLI_RUN);
  const cli = pathToFileURL(join(root, 'dist/src/cli.js')).href;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [runner, cli, file, ...(json ? ['--json'] : [])], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('{')) throw new Error(`fedsim check of ${root} did not finish: ${r.stderr}`);
  const m = JSON.parse(last) as { code: number; cpu: number; rss: number };
  if (m.code !== 0) throw new Error(`fedsim check of ${root} exited ${m.code}: ${r.stderr}`);
  return { wall, ...m, stdout: r.stdout };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** This tree's `fedsim check` against the baseline's on one file, alternated A B B A ..., medians. */
function compareCli(file: string, baseline: string, reps: number): void {
  const here = resolve(fileURLToPath(import.meta.url), '../../..');
  const trees = { after: here, before: baseline } as const;
  const runs: Record<keyof typeof trees, CliRun[]> = { after: [], before: [] };
  const mb = (statSync(file).size / 1048576).toFixed(0);
  console.log(
    `fedsim check FILE, 10^6 operations (${mb} MB), after = ${here}, before = ${baseline}, ${reps} runs each alternated; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (2 cores)`,
  );
  for (let i = 0; i < reps; i++)
    for (const which of i % 2 ? (['before', 'after'] as const) : (['after', 'before'] as const)) {
      const r = cliRun(trees[which], file);
      runs[which].push(r);
      console.log(
        `  ${which.padEnd(6)} run ${i + 1}: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU, peak RSS ${r.rss.toFixed(0)} MB, exit ${r.code} (load ${loadavg()[0]!.toFixed(2)})`,
      );
    }
  for (const which of ['before', 'after'] as const) {
    const rs = runs[which];
    console.log(
      `${which.padEnd(6)} median of ${rs.length}: ${median(rs.map((r) => r.wall)).toFixed(2)} s wall, ${median(rs.map((r) => r.cpu)).toFixed(2)} s CPU, peak RSS ${median(rs.map((r) => r.rss)).toFixed(0)} MB`,
    );
  }
  const [a, b] = [cliRun(here, file, true), cliRun(baseline, file, true)];
  const same = a.stdout === b.stdout && runs.after[0]!.stdout === runs.before[0]!.stdout;
  console.log(`verdicts: --json output ${same ? 'identical' : 'DIFFERENT'} (${a.stdout.length} bytes), exit ${a.code} and ${b.code}`);
}

const [mode, size] = process.argv.slice(2);
if (mode === '--child') {
  const n = Number(size);
  const { history } = generate(n);
  // What the history itself holds, after the garbage of generating it is collected.
  (globalThis as { gc?: () => void }).gc?.();
  const retained = (process.memoryUsage().heapUsed / 1048576).toFixed(0);
  // The peak so far is generating's: the check's own cost is what it adds to that.
  const beforeCheck = mb();
  // Each checker timed on its own (the same checkers checkRun composes), to see which grows worse than linear.
  const checkers: [string, () => Verdict][] = Object.entries(runCheckers()).map(([name, check]) => [
    name,
    () => check({ history, faults }),
  ]);
  const times: string[] = [];
  const verdicts: Verdict[] = [];
  const t0 = performance.now();
  for (const [name, check] of checkers) {
    const t = performance.now();
    verdicts.push(check());
    times.push(`${name} ${((performance.now() - t) / 1000).toFixed(2)}`);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${n.toExponential(0).padEnd(6)} ops: check ${s.toFixed(2)} s (${((s * 1e6) / n).toFixed(2)} µs per op: ${times.join(', ')} s); history held in ${retained} MB of heap; peak RSS ${beforeCheck} MB before the check, ${mb()} MB after; ${verdicts.map((v) => `${v.checker} ${v.status}`).join(', ')}`,
  );
} else if (mode === '--child-write') {
  await generate(Number(size), process.argv[4]).close();
} else if (mode === '--child-load') {
  // A process of its own, as `fedsim check` is: its peak memory is loading's and checking's alone.
  const file = size!;
  const t0 = performance.now();
  const h = await loadHistory(file);
  const load = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const verdicts = checkRun({ history: h, faults });
  console.log(
    `${h.ops.length.toExponential(0).padEnd(6)} ops from JSONL: load ${load.toFixed(2)} s + check ${((performance.now() - t1) / 1000).toFixed(2)} s, peak RSS ${mb()} MB (what \`fedsim check\` does); ${verdicts.map((v) => `${v.checker} ${v.status}`).join(', ')}`,
  );
} else if (mode === '--child-cli') {
  // `fedsim check FILE` itself, in this process: its peak memory counts the CLI's own modules and
  // the judging thread, and the time runs from before the CLI loads to its exit.
  const t0 = performance.now();
  process.argv = [process.argv[0]!, 'fedsim', 'check', size!];
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.on('exit', (code) =>
    console.error(
      `1e+6   ops, \`fedsim check FILE\`: ${((performance.now() - t0) / 1000).toFixed(2)} s from start to exit ${code}, peak RSS ${mb()} MB`,
    ),
  );
  void import('../src/cli.js');
} else {
  const option = (name: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? undefined : process.argv[i + 1];
  };
  const baseline = option('--baseline');
  const reps = Number(option('--reps') ?? 3);
  const sizes = [100_000, 1_000_000, ...(process.argv.includes('--huge') ? [10_000_000] : [])];
  if (!process.argv.includes('--cli-only'))
    for (const n of sizes) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', process.argv[1]!, '--child', String(n)], {
        encoding: 'utf8',
      });
      process.stdout.write(r.stdout || r.stderr);
    }
  const dir = mkdtempSync(join(tmpdir(), 'fedsim-bench-'));
  try {
    const file = join(dir, 'history.jsonl');
    spawnSync(process.execPath, [process.argv[1]!, '--child-write', '1000000', file], { stdio: 'inherit' });
    if (!process.argv.includes('--cli-only')) {
      const r = spawnSync(process.execPath, [process.argv[1]!, '--child-load', file], { encoding: 'utf8' });
      process.stdout.write(r.stdout || r.stderr);
      const cli = spawnSync(process.execPath, [process.argv[1]!, '--child-cli', file], { encoding: 'utf8' });
      process.stdout.write(cli.stderr);
    }
    if (baseline) compareCli(file, resolve(baseline), reps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
