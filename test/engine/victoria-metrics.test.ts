import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RemoteWriteRow } from '../../src/checkers/remote-write.js';
import type { SeriesRow } from '../../src/checkers/samples.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { federationNames } from '../../src/runtime/removal.js';
import { expectSameVerdictAgain, fedsimRun, root } from './fedsim.js';

/**
 * The federated-metrics story told with VictoriaMetrics itself (Debian's single-node server and
 * vmagent, fedsim's local recipe): topologies/victoria-metrics.yaml holds both layouts, and each
 * library scenario breaks it once. The figures of the closing note are printed.
 */
const RTT = 150; // topologies/victoria-metrics.yaml: 75 ms each way between eu-west-1 and us-east-1
/** summary.md's way of writing a duration (src/report/remote-write.ts). */
const ms = (x?: number) => (x === undefined ? '-' : `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`);

interface Verdicts {
  verdicts: { checker: string; evidence: { rows: unknown[] } }[];
  seconds: { total: number };
  passed: boolean;
  expectations: unknown[];
}

async function run(scenario: string): Promise<{ dir: string; report: Verdicts; rw: RemoteWriteRow[]; samples: SeriesRow[] }> {
  const dir = mkdtempSync(join(tmpdir(), `fedsim-${scenario}-`));
  const r = await fedsimRun([join(root, `scenarios/${scenario}.yaml`), '--out', dir]);
  expect(r.code, `${r.stdout}\n${r.stderr.slice(-4000)}`).toBe(0);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Verdicts;
  const rows = (checker: string) => report.verdicts.find((v) => v.checker === checker)!.evidence.rows;
  const rw = rows('remote-write') as RemoteWriteRow[];
  const samples = rows('samples') as SeriesRow[];
  const f = (x?: number) => (x === undefined ? '-' : x.toFixed(1));
  const lines = [`${scenario}: ${report.seconds.total.toFixed(0)} s wall`];
  for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-1']) {
    const [c, d] = ['centralized', 'federated'].map((l) => rw.find((x) => x.layout === l && x.pair.startsWith(`${region}->`))!);
    lines.push(
      `  ${region}: centralized ${c!.pair} p50 ${f(c!.p50)} p99 ${f(c!.p99)} ms; federated ${d!.pair} p50 ${f(d!.p50)} p99 ${f(d!.p99)} ms; ratio ${f(c!.p50! / d!.p50!)}x`,
    );
  }
  for (const s of samples)
    lines.push(
      `  ${s.key}: pushed ${s.sent}, acknowledged ${s.acked}, found ${s.found}, missing ${s.missing} (before a kill ${s.lostInKill})`,
    );
  console.log(lines.join('\n'));
  // run prints the report's path at its end, and summary.md holds the document's comparison, measured:
  // per agent region both layouts' paths with p50/p99 side by side and the ratio, then the samples.
  expect(r.stdout).toContain(`\nreport: ${join(dir, 'report.html')} `);
  for (const f of ['report.html', 'latency.svg', 'rate.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
  const summary = readFileSync(join(dir, 'summary.md'), 'utf8');
  for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-1']) {
    const [c, d] = ['centralized', 'federated'].map((l) => rw.find((x) => x.layout === l && x.pair.startsWith(`${region}->`))!);
    expect(summary).toContain(
      `| ${region} | ${c!.pair} | ${ms(c!.p50)} | ${ms(c!.p99)} | ${d!.pair} | ${ms(d!.p50)} | ${ms(d!.p99)} | ${(c!.p50! / d!.p50!).toFixed(1)}x |`,
    );
  }
  for (const s of samples) expect(summary).toContain(`| ${s.key} | ${s.sent} | ${s.acked} | ${s.found ?? '-'} | ${s.missing} |`);
  await expectSameVerdictAgain(dir, report);
  expect(await federationNames(await connectEngine())).not.toContain(scenario);
  return { dir, report, rw, samples };
}

const path = (rw: RemoteWriteRow[], layout: string, region: string) =>
  rw.find((r) => r.layout === layout && r.pair.startsWith(`${region}->`))!;
const series = (s: SeriesRow[], key: string) => s.find((r) => r.key === key)!;

/** eu-west-1's agent pays the round trip to us-east-1 in the centralized layout, nothing in the federated one. */
function expectTheDocumentsComparison(rw: RemoteWriteRow[]): void {
  const c = path(rw, 'centralized', 'eu-west-1');
  const f = path(rw, 'federated', 'eu-west-1');
  expect(c.pair).toBe('eu-west-1->us-east-1');
  expect(f.pair).toBe('eu-west-1->eu-west-1');
  // VictoriaMetrics' buckets are about 13% wide: the configured round trip within -10%/+20%.
  expect(c.p50! - f.p50!).toBeGreaterThan(RTT * 0.9);
  expect(c.p50! - f.p50!).toBeLessThan(RTT * 1.2);
  expect(f.p50!).toBeLessThan(20);
  expect(c.p50! / f.p50!).toBeGreaterThan(5);
}

describe('VictoriaMetrics, centralized vs federated remote write (topologies/victoria-metrics.yaml)', () => {
  it('a WAN partition cuts us-east-1 off: federated writes untouched, centralized agents buffer, and after heal every sample is where it belongs', async () => {
    const { rw, samples } = await run('victoria-metrics-partition');
    expectTheDocumentsComparison(rw);
    for (const region of ['eu-west-1', 'ap-southeast-1']) {
      // The centralized agents could not write while cut off, and drained after heal.
      expect(path(rw, 'centralized', region).errorsTouched).toBeGreaterThan(0);
      expect(path(rw, 'centralized', region).pendingBytes).toBe(0);
    }
    for (const r of rw.filter((x) => x.layout === 'federated')) expect(r.errorsTouched + r.errorsUntouched).toBe(0);
    for (const s of samples) {
      expect(s.acked).toBeGreaterThan(50);
      expect(s).toMatchObject({ found: s.acked, missing: 0, unexpected: 0 });
      if (s.key.startsWith('federated/')) expect(s).toMatchObject({ foreign: 0, global: s.acked });
    }
  });

  it('us-east-1 goes dark: the other regions keep writing to their own stores; the central store loses what it had not flushed', async () => {
    const { rw, samples } = await run('victoria-metrics-outage');
    expectTheDocumentsComparison(rw);
    for (const region of ['eu-west-1', 'ap-southeast-1']) {
      const f = path(rw, 'federated', region);
      expect(f.errorsTouched + f.errorsUntouched).toBe(0);
      expect(series(samples, `federated/${region}`)).toMatchObject({ missing: 0, foreign: 0 });
      expect(path(rw, 'centralized', region).errorsTouched).toBeGreaterThan(0);
      expect(path(rw, 'centralized', region).pendingBytes).toBe(0);
    }
    // Whatever is missing was pushed before the kill of its agent or its store (the checker holds it to that).
    for (const s of samples) expect(s.lost).toBe(0);
  });
});
