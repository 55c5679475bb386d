/**
 * Checker cost: every checker over generated histories of 10^5 and 10^6 operations (and 10^7 with
 * --huge), each size in its own process so its peak memory is its own, and each checker timed.
 * Then a 10^6 history written to JSONL and, in a fresh process, loaded and checked as `fedsim check`
 * does, and then given to `fedsim check` itself (the CLI in a fresh process, modules and all).
 * Target (10^6): <= 3 s, <= 500 MB.
 *   node dist/bench/checker.js [--huge]
 *   node dist/bench/checker.js --child-load FILE | --child-cli FILE   (one saved history)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const sizes = [100_000, 1_000_000, ...(process.argv.includes('--huge') ? [10_000_000] : [])];
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
    const r = spawnSync(process.execPath, [process.argv[1]!, '--child-load', file], { encoding: 'utf8' });
    process.stdout.write(r.stdout || r.stderr);
    const cli = spawnSync(process.execPath, [process.argv[1]!, '--child-cli', file], { encoding: 'utf8' });
    process.stdout.write(cli.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
