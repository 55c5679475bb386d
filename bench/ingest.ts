/**
 * Command workload ingest: how many operations a second a user's program can hand fedsim through
 * its stdout and have merged into the run's history (parsed, checked, joined, written to
 * history.jsonl). The producer is `cat` of a prepared file, so the figure is fedsim's side; its
 * baseline is the same pipe drained by Node with no parsing. Lines with and without their own
 * `time`, three runs each, median. Target: >= 50,000 operations/s.
 *   node dist/bench/ingest.js [--ops N]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../src/clock.js';
import { CommandRun } from '../src/workload/command.js';
import { HistoryWriter, type MetaLine } from '../src/workload/history.js';
import { CommandWorkloadSchema } from '../src/workload/kinds.js';
import { WorkloadSchema } from '../src/workload/spec.js';

const arg = process.argv.indexOf('--ops');
const OPS = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'fedsim-ingest-'));
/** The run's clock, begun before the lines with their own time are written. */
const clock = new Clock();
const meta: MetaLine = {
  type: 'meta',
  federation: 'bench',
  shape: 'federation',
  regions: ['us-east-1', 'eu-west-1'],
  clusters: {
    main: { regions: ['us-east-1'], role: 'main', nodes: { 'main-us-east-1-1': 'us-east-1' } },
    'w-eu': { regions: ['eu-west-1'], role: 'worker', nodes: { 'w-eu-1': 'eu-west-1' } },
  },
  workload: WorkloadSchema.parse({}),
  startedAt: new Date().toISOString(),
};

/** OPS operations of 16 processes: checkouts with a small value, adds of unique elements, 1% failed. */
async function prepare(file: string, timed: boolean): Promise<void> {
  const out = createWriteStream(file);
  // Within the run: after its clock began, before the lines are read.
  const base = performance.timeOrigin + performance.now() - clock.now() + 1;
  let chunk = '';
  for (let i = 0; i < OPS; i++) {
    const p = i % 16;
    const time = timed ? `,"time":${base + i * 0.001}` : '';
    const invoke =
      i % 2
        ? `{"type":"invoke","process":${p},"f":"add","value":${i},"key":"k${p}"${time}}`
        : `{"type":"invoke","process":${p},"f":"checkout","value":{"items":${i % 7}}${time}}`;
    const done = i % 100 === 0 ? `{"type":"fail","process":${p},"error":"HTTP 503"${time}}` : `{"type":"ok","process":${p}${time}}`;
    chunk += `${invoke}\n${done}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise<void>((r) => out.end(() => r()));
}

/** The pipe alone: `cat` drained by Node, nothing parsed. */
function drain(file: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn('cat', [file], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', () => undefined);
    child.stdout.on('close', () => resolve((performance.now() - t0) / 1000));
  });
}

/** The command workload as a run has it: `cat` as the program, merged into a history written to disk. */
async function ingest(file: string): Promise<{ seconds: number; cpu: number; operations: number }> {
  const history = new HistoryWriter(meta, join(dir, 'history.jsonl'));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const c = new CommandRun(CommandWorkloadSchema.parse({ kind: 'command', name: 'bench', region: 'eu-west-1', run: ['cat', file] }), {
    history,
    clock,
    cwd: dir,
    regions: meta.regions,
    clusters: Object.keys(meta.clusters),
    cluster: 'w-eu',
    env: {},
  });
  const exit = await c.done;
  await history.close();
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  if (exit.code !== 0 || exit.invalid) throw new Error(`bench producer failed: ${JSON.stringify(exit)}`);
  return { seconds, cpu: (used.user + used.system) / 1e6, operations: exit.operations };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  console.log(`command workload ingest: ${OPS.toLocaleString('en')} operations (${2 * OPS} lines) from \`cat\`, 3 runs each`);
  for (const timed of [false, true]) {
    const file = join(dir, timed ? 'timed.jsonl' : 'plain.jsonl');
    await prepare(file, timed);
    const mb = statSync(file).size / 1e6;
    const pipe: number[] = [];
    const rates: number[] = [];
    const perCpu: number[] = [];
    const n = (x: number) => Math.round(x).toLocaleString('en');
    for (let i = 0; i < 3; i++) {
      pipe.push(await drain(file));
      const r = await ingest(file);
      rates.push(r.operations / r.seconds);
      perCpu.push(r.operations / r.cpu);
      console.log(
        `  ${timed ? 'with time' : 'stamped  '} run ${i + 1}: ${r.seconds.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU: ${n(r.operations / r.seconds)} ops/s`,
      );
    }
    console.log(
      `${timed ? 'lines with their own time' : 'lines stamped on arrival'} (${mb.toFixed(0)} MB): ${n(median(rates))} operations/s merged (target >= 50,000), ${n(median(perCpu))} per CPU-second of fedsim; the pipe alone: ${n(OPS / median(pipe))} operations/s`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

await main();
