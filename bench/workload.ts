/**
 * Workload overhead: fedsim's workload (generator, router, history to a file) against one node, vs a
 * bare cassandra-driver loop with the same session settings, statement, consistency and
 * concurrency, in the same run, alternating A B B A A B so that drift hits both. Target: fedsim's
 * throughput >= 90% of the bare loop's.
 *   node dist/bench/workload.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { latencyTable } from '../src/checkers/latency.js';
import { Clock } from '../src/clock.js';
import { up } from '../src/runtime/bringup.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages } from '../src/runtime/images.js';
import { HistoryWriter } from '../src/workload/history.js';
import { WorkloadSchema } from '../src/workload/spec.js';
import { historyMeta, WorkloadRun } from '../src/workload/workload.js';

const CONCURRENCY = 32;
const SECONDS = 10;
const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const fed = await up(
  engine,
  {
    shape: 'federation',
    regions: ['local'],
    clusters: [{ name: 'main', role: 'main', nodes: { local: 1 } }],
    keyspaces: [{ name: 'app', replication: 1 }],
  },
  { name: 'bench-workload' },
);
const dir = mkdtempSync(join(tmpdir(), 'fedsim-bench-'));
const spec = WorkloadSchema.parse({
  rate: 0,
  concurrency: CONCURRENCY,
  duration: SECONDS * 1000,
  workspaces: 8,
  mix: { create: 0, write: 1, read: 0 },
  consistency: { write: 'ONE' },
});

async function fedsimRun(i: number): Promise<{ opsPerSec: number; p99: number }> {
  const clock = new Clock();
  const history = new HistoryWriter(historyMeta(fed, spec, clock), join(dir, `h${i}.jsonl`));
  const w = new WorkloadRun(fed, spec, { clock, history });
  await w.setup();
  const t0 = clock.now();
  const before = history.history.ops.length;
  await w.run();
  const s = (clock.now() - t0) / 1000;
  await history.close();
  const ok = history.history.ops.slice(before).filter((o) => o.outcome === 'ok').length;
  return { opsPerSec: ok / s, p99: latencyTable(history.history)[0]!.p99 };
}

async function bareRun(): Promise<{ opsPerSec: number; p99: number }> {
  const client = fed.client('local', 'main');
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  let ok = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await client.execute('INSERT INTO app.elements (workspace, element) VALUES (?, ?)', [`bare-w${n % 8}`, n++], {
          prepare: true,
          consistency: 1,
          readTimeout: spec.timeout,
        });
        hist.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
        ok++;
      }
    }),
  );
  return { opsPerSec: ok / ((performance.now() - t0) / 1000), p99: hist.getValueAtPercentile(99) / 1000 };
}

try {
  const fedsim: { opsPerSec: number; p99: number }[] = [];
  const bare: { opsPerSec: number; p99: number }[] = [];
  // Warm-up of both (table, prepared statements, both JITs), then A B B A A B: drift hits both alike.
  await fedsimRun(-1);
  await bareRun();
  for (let i = 0; i < 3; i++) {
    if (i % 2 === 0) {
      fedsim.push(await fedsimRun(i));
      bare.push(await bareRun());
    } else {
      bare.push(await bareRun());
      fedsim.push(await fedsimRun(i));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = median(fedsim.map((x) => x.opsPerSec));
  const b = median(bare.map((x) => x.opsPerSec));
  console.log(`one Cassandra node, writes at ONE, concurrency ${CONCURRENCY}, ${SECONDS} s per run, runs alternated:`);
  console.log(`  fedsim workload  ${fedsim.map((x) => `${x.opsPerSec.toFixed(0)} ops/s (p99 ${x.p99.toFixed(1)} ms)`).join(', ')}`);
  console.log(`  bare driver loop ${bare.map((x) => `${x.opsPerSec.toFixed(0)} ops/s (p99 ${x.p99.toFixed(1)} ms)`).join(', ')}`);
  console.log(`  throughput ratio fedsim / bare: ${(f / b).toFixed(2)} (target >= 0.90)`);
} finally {
  await fed.down();
  rmSync(dir, { recursive: true, force: true });
}
