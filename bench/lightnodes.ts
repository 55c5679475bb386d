/**
 * Lighter nodes, each setting measured: one cluster stretched over two datacenters, 3 nodes each
 * (1 GB), replication 3 per datacenter, LOCAL_QUORUM from both sides at 30 ops/s each (60 in all),
 * brought up (a fresh federation each) with today's node (tuning off: the machine's processors, Cassandra's pools and
 * background work, no class-data sharing archive) and then with each setting of the topology's
 * `tuning` added in turn, all in the same run and the same image. Per variant: ready time (up to
 * every node answering CQL), idle CPU per node (mean over 20 s after the run, no client left), and the
 * p99 of operations served inside their own datacenter in a 30 s run with no fault.
 * Run it under the engine lock:
 *   flock /tmp/fedsim-engine.lock node dist/bench/lightnodes.js [ROUNDS=1] [--ends]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floorLine } from '../src/checkers/floor.js';
import { sleep } from '../src/common/sleep.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { attach } from '../src/runtime/federation.js';
import { buildImages } from '../src/runtime/images.js';
import { removeFederation } from '../src/runtime/removal.js';
import { runScenario } from '../src/scenarios/runner.js';
import { ScenarioSchema } from '../src/scenarios/schema.js';
import { parseTopology, type TopologyInput, type Tuning } from '../src/topology/schema.js';

const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const rounds = Number(process.argv[2] ?? 1);
// --ends: only today's node and the default (all settings), when time is short.
const ends = process.argv.includes('--ends');
const out = mkdtempSync(join(tmpdir(), 'fedsim-bench-lightnodes-'));

const variants: [string, Tuning][] = [
  ["today's node (tuning off)", { processors: 0, light: false, cds: false }],
  ['+ processors 1', { processors: 1, light: false, cds: false }],
  ['+ light pools, no background', { processors: 1, light: true, cds: false }],
  ['+ CDS archive (the default)', { processors: 1, light: true, cds: true }],
];
if (ends) variants.splice(1, 2);
const topology = (tuning: Tuning): TopologyInput => ({
  shape: 'stretched',
  regions: ['dc-a', 'dc-b'],
  links: { default: { latency: '30ms' } },
  clusters: [{ name: 'geo', nodes: { 'dc-a': 3, 'dc-b': 3 }, memory: '1g', tuning }],
  keyspaces: [{ name: 'app', replication: 3 }],
});

console.log('6 nodes (2 datacenters x 3, 1 GB), LOCAL_QUORUM, 60 ops/s; one row per variant and round');
console.log('  variant                          ready     idle CPU/node (mean, max)   local p50/p99');
for (let r = 1; r <= rounds; r++)
  for (const [label, tuning] of variants) {
    const name = 'bench-light';
    const scenario = ScenarioSchema.parse({
      name,
      topology: topology(tuning),
      workload: {
        workspaces: 3,
        rate: 30,
        concurrency: 3,
        duration: '30s',
        locality: 0,
        mix: { create: 0, write: 0.7, read: 0.3 },
        consistency: { write: 'LOCAL_QUORUM', read: 'LOCAL_QUORUM' },
      },
      warmup: '5s',
      expect: { durability: false, routing: false, residency: false },
      // Kept up after the run, to measure it idle; removed below.
      after: 'keep',
    });
    const loaded = { scenario, topology: parseTopology(topology(tuning)), file: join(out, 'bench.yaml') };
    const run = await runScenario(engine, loaded, { out: join(out, `${r}-${variants.findIndex((v) => v[0] === label)}`) });
    const locals = run.report.reach.flatMap((x) => (x.local ? [x.local] : []));
    const p = (k: 'p50' | 'p99') => Math.max(...locals.map((l) => l[k]));
    // Idle: no client left, the run's final reads done.
    const containers = (await attach(engine, name)).plan.nodes.map((n) => n.container);
    await sleep(5000);
    const before = await Promise.all(containers.map((c) => engine.cpuSeconds(c)));
    const w0 = performance.now();
    await sleep(20_000);
    const after = await Promise.all(containers.map((c) => engine.cpuSeconds(c)));
    const wall = (performance.now() - w0) / 1000;
    const idle = after.map((a, i) => ((a - before[i]!) / wall) * 100);
    await removeFederation(engine, name);
    console.log(
      `  ${label.padEnd(32)} ${run.report.seconds.up.toFixed(1).padStart(5)} s   ${(idle.reduce((a, b) => a + b, 0) / idle.length).toFixed(1).padStart(5)}%, ${Math.max(
        ...idle,
      )
        .toFixed(1)
        .padStart(
          5,
        )}% of a core       ${p('p50').toFixed(1)}/${p('p99').toFixed(1)} ms   (floor: ${run.report.floor ? floorLine(run.report.floor) : '-'})`,
    );
  }
