/**
 * Alert delays: the alert-node-down fixture (a node kill on a monitored two-region federation) run
 * three times on one federation; for each run, how long after the kill took effect fedsim's
 * webhook heard FedsimNodeDown and FedsimWriteErrors fire, and how long after the node was started
 * again it heard FedsimNodeDown resolve. Printed with the intervals that bound them.
 *   node dist/bench/alerts.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVALUATION_INTERVAL_S, GROUP_WAIT_S, SCRAPE_INTERVAL_S } from '../src/monitoring/config.js';
import { projectRoot } from '../src/paths.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages } from '../src/runtime/images.js';
import { removeFederation } from '../src/runtime/removal.js';
import { loadScenario } from '../src/scenarios/file.js';
import { runScenario } from '../src/scenarios/runner.js';

const RUNS = 3;
const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const loaded = loadScenario(join(projectRoot, 'test/fixtures/alert-node-down.yaml'));
const out = mkdtempSync(join(tmpdir(), 'fedsim-bench-alerts-'));
console.log(
  `scrape ${SCRAPE_INTERVAL_S} s, evaluation ${EVALUATION_INTERVAL_S} s, FedsimNodeDown and FedsimWriteErrors for: 4 s, Alertmanager group wait ${GROUP_WAIT_S} s`,
);
try {
  for (let i = 1; i <= RUNS; i++) {
    const r = await runScenario(engine, loaded, { out: join(out, String(i)) });
    const alerts = r.report.expectations.filter((e) => e.name.startsWith('alert '));
    console.log(`run ${i}: ${r.passed ? 'PASS' : 'FAIL'}`);
    for (const e of alerts) console.log(`  ${e.name.padEnd(42)} ${e.summary}`);
  }
} finally {
  await removeFederation(engine, loaded.scenario.name);
  rmSync(out, { recursive: true, force: true });
}
process.exit(0);
