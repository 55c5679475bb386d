/**
 * Wall time of each library scenario (up, warm-up, run, heal, checks, down), one run each with warm
 * images, and the time to reset a reused federation: a scenario run with `after: reuse` twice, the
 * second run healing the first's faults and emptying its data instead of bringing it up again.
 * Target for the reset: <= 5 s.
 *   node dist/bench/scenarios.js [NAME…]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages } from '../src/runtime/images.js';
import { removeFederation } from '../src/runtime/removal.js';
import { loadScenario } from '../src/scenarios/file.js';
import { runScenario } from '../src/scenarios/runner.js';

const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const library = join(projectRoot, 'scenarios');
const asked = process.argv.slice(2);
const names = readdirSync(library)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .filter((n) => !asked.length || asked.includes(n));
const out = mkdtempSync(join(tmpdir(), 'fedsim-bench-scenarios-'));

console.log('library scenario            verdict  wall time  (up / warm-up / run / heal / check)');
for (const name of names) {
  const loaded = loadScenario(join(library, `${name}.yaml`));
  const t0 = performance.now();
  const r = await runScenario(engine, loaded, { out: join(out, name) });
  const s = r.report.seconds;
  console.log(
    `  ${name.padEnd(26)}${(r.passed ? 'PASS' : 'FAIL').padEnd(7)}${((performance.now() - t0) / 1000).toFixed(0).padStart(6)} s   (${[s.up, s.warmup, s.run, s.heal, s.check].map((x) => x.toFixed(0)).join(' / ')})`,
  );
}

// Reset: the same scenario twice with after: reuse; the second run reuses the first's federation.
const fixture = loadScenario(join(projectRoot, 'test/fixtures/impossible-latency.yaml'));
const resets: number[] = [];
try {
  await runScenario(engine, fixture, { out: join(out, 'reuse-0') });
  for (let i = 1; i <= 3; i++) {
    const r = await runScenario(engine, fixture, { out: join(out, `reuse-${i}`) });
    resets.push(r.resetSeconds!);
  }
} finally {
  await removeFederation(engine, fixture.scenario.name);
}
resets.sort((a, b) => a - b);
console.log(
  `reset of a reused federation (${fixture.scenario.name}): median ${resets[1]!.toFixed(2)} s of ${resets.map((x) => x.toFixed(2)).join(', ')} (target <= 5 s)`,
);
rmSync(out, { recursive: true, force: true });
process.exit(0);
