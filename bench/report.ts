/**
 * The report's cost: for synthetic runs of 10^5 and 10^6 operations (bench/runs.ts: three regions,
 * two faults, alerts), the time to write report.html and its SVGs from a loaded history (what a
 * run adds at its end; loading the history is `fedsim check`'s cost, bench/checker.ts), the files'
 * sizes, and in headless Chromium the page's time to first draw (navigation start to every chart
 * drawn, the median of 3 loads). Targets (10^6): <= 2 s, <= 5 MB, first draw <= 2 s.
 *   node dist/bench/report.js [--keep]
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFaultLog } from '../src/faults/log.js';
import { loadAlerts } from '../src/monitoring/alerts.js';
import { type Report, visualsOf } from '../src/report/report.js';
import { VISUAL_FILES, writeVisuals } from '../src/report/visuals.js';
import { loadHistory } from '../src/workload/history.js';
import { Browser } from './chromium.js';
import { writeSyntheticRun } from './runs.js';

const keep = process.argv.includes('--keep');

/** The page's main-thread task time so far (s): what the page costs, apart from waiting for a busy machine's CPU. */
async function taskSeconds(b: Browser): Promise<number> {
  const { metrics } = (await b.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN;
}
console.log(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores)`);
const mb = (file: string) => (statSync(file).size / 1e6).toFixed(2);

for (const n of [100_000, 1_000_000]) {
  const dir = mkdtempSync(join(tmpdir(), `fedsim-report-${n}-`));
  await writeSyntheticRun(dir, n);
  const history = await loadHistory(join(dir, 'history.jsonl'));
  const faults = loadFaultLog(join(dir, 'faults.jsonl'));
  const alerts = loadAlerts(join(dir, 'alerts.jsonl'));
  const r = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    writeVisuals(dir, { ...visualsOf(r, { history, alerts }), faults });
    times.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpus.push((used.user + used.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const html = join(dir, VISUAL_FILES.html);
  console.log(
    `${n} operations: report written in ${(times[1]! / 1000).toFixed(2)} s wall, ${(cpus[1]! / 1000).toFixed(2)} s CPU (medians of 3); report.html ${mb(html)} MB, latency.svg ${mb(join(dir, VISUAL_FILES.latency))} MB, rate.svg ${mb(join(dir, VISUAL_FILES.rate))} MB (history.jsonl ${mb(join(dir, 'history.jsonl'))} MB)`,
  );
  const browser = await Browser.launch(1200, 900);
  try {
    await browser.send('Performance.enable');
    const draws: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < 5; i++) {
      await browser.open(`file://${html}`);
      draws.push(await browser.until<number>('window.fedsimDrawn', 60_000));
      // The metric starts again with each document: its value now is this page's.
      busy.push(await taskSeconds(browser));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
    console.log(
      `  Chromium: first draw ${(median(draws) / 1000).toFixed(2)} s after navigation start (median of 5: ${draws.map((d) => (d / 1000).toFixed(2)).join(', ')} s); the page's main thread busy ${median(busy).toFixed(2)} s of it; console errors: ${browser.errors.length}`,
    );
  } finally {
    await browser.close();
  }
  if (keep) console.log(`  kept: ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
