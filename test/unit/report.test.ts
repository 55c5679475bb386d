import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { writeSyntheticRun } from '../../bench/runs.js';
import { loadAlerts } from '../../src/monitoring/alerts.js';
import { buildPlots, faultBands } from '../../src/report/plots.js';
import { type Report, writeReports } from '../../src/report/report.js';
import { HistoryWriter, loadHistory } from '../../src/workload/history.js';
import { killRecord, metaLine } from './histories.js';

const cli = join(import.meta.dirname, '../../dist/src/cli.js');
const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
const fedsim = (args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...NO_ENGINE }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** Every element named `name` (with its attributes) anywhere in a parsed SVG. */
function elements(svg: string, name: string): Record<string, string>[] {
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true }).parse(svg);
  const out: Record<string, string>[] = [];
  const walk = (nodes: Record<string, unknown>[]) => {
    for (const n of nodes)
      for (const [k, v] of Object.entries(n)) {
        if (k === ':@') continue;
        if (k === name) out.push((n[':@'] ?? {}) as Record<string, string>);
        if (Array.isArray(v)) walk(v as Record<string, unknown>[]);
      }
  };
  walk(tree);
  return out;
}

describe('the plots of a run', () => {
  it('thin the latency points to a grid cell per region and outcome, and keep every count', () => {
    const w = new HistoryWriter(metaLine());
    let id = 0;
    // 500 ok operations at the same time and latency (one cell), 3 failed in that cell, 1 far away.
    for (let i = 0; i < 500; i++) {
      w.add({ type: 'invoke', id, t: 1000 + i * 0.001, region: 'us', kind: 'read', workspace: 'a', cluster: 'main' });
      w.add({ type: 'ok', id: id++, t: 1005 + i * 0.001, coordinator: 'main-us-1' });
    }
    for (let i = 0; i < 3; i++) {
      w.add({ type: 'invoke', id, t: 1000, region: 'us', kind: 'read', workspace: 'a', cluster: 'main' });
      w.add({ type: 'fail', id: id++, t: 1005, error: 'x' });
    }
    w.add({ type: 'invoke', id, t: 9000, region: 'eu', kind: 'write', workspace: 'b', cluster: 'w', element: 1 });
    w.add({ type: 'info', id: id++, t: 11_000 });
    const p = buildPlots(w.history, [killRecord({ effect: { t: 2000, wall: '' }, undone: { t: 4000, wall: '' } })]);
    expect(p.latency.us).toMatchObject({ counts: [500, 3, 0], o: [0, 1] });
    expect(p.latency.eu).toMatchObject({ counts: [0, 0, 1], x: [9], y: [2000], o: [2] });
    expect(p.faults).toEqual([{ id: 'f', label: 'kill w-eu-1', from: 2, to: 4, undone: true }]);
    // Rate bins of 1 s by completion: 503 in the first, the info one in the last.
    expect(p.rate.ok.us![0]).toBe(500);
    expect(p.rate.errors.us![0]).toBe(3);
    expect(p.rate.errors.eu!.at(-1)).toBe(1);
    expect(p.quantiles.map((q) => q.pair)).toEqual(['us->us']);
    expect(p.quantiles[0]!.p50[0]).toBe(5);
  });

  it('shade only faults that took effect, to the end when never undone', () => {
    const bands = faultBands(
      [
        killRecord({ id: 'a', effect: { t: 1000, wall: '' } }),
        killRecord({ id: 'b', effect: undefined, error: 'could not kill' }),
        killRecord({ id: 'c', effect: { t: 2000, wall: '' }, undone: { t: 2500, wall: '' } }),
      ],
      9,
    );
    expect(bands.map((b) => [b.id, b.from, b.to, b.undone])).toEqual([
      ['a', 1, 9, false],
      ['c', 2, 2.5, true],
    ]);
  });
});

describe('fedsim report RUN_FOLDER, no containers', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedsim-report-'));

  it('writes report.html and well-formed SVGs with one band per fault; summary.md links them', async () => {
    const run = join(dir, 'run');
    const faults = await writeSyntheticRun(run, 6000, 200);
    const r = fedsim(['report', run]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['report.html', 'latency.svg', 'rate.svg'].map((f) => join(run, f)));
    for (const name of ['latency.svg', 'rate.svg']) {
      const svg = readFileSync(join(run, name), 'utf8');
      expect(XMLValidator.validate(svg)).toBe(true);
      const bands = elements(svg, 'rect').filter((a) => a.class === 'fault');
      expect(bands).toHaveLength(faults.length);
      expect(elements(svg, 'g').filter((a) => a.class === 'alert')).toHaveLength(2);
    }
    const latency = readFileSync(join(run, 'latency.svg'), 'utf8');
    // Per region an ok, a failed and an unknown path; each region's ok points drawn.
    const paths = elements(latency, 'path').filter((a) => a.class?.startsWith('points'));
    expect(paths).toHaveLength(9);
    for (const a of paths.filter((x) => x.class === 'points ok')) expect(a.d!.length).toBeGreaterThan(100);
    const summary = readFileSync(join(run, 'summary.md'), 'utf8');
    expect(summary).toContain('](latency.svg)');
    expect(summary).toContain('](rate.svg)');
    expect(summary).toContain('[report.html](report.html)');
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    // Self-contained: nothing fetched from elsewhere; uPlot inlined.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain('uPlot');
    const data = JSON.parse(/<script type="application\/json" id="fedsim-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(data.plots.faults).toHaveLength(faults.length);
    expect(data.drawn).toEqual(['us-east-1', 'eu-west-1', 'ap-south-1']);
    // Beside the charts: the verdict with each expectation's evidence, the availability windows per
    // region, the fault log (a row per fault, alerts apart), the timeline of a chosen range.
    const section = (id: string) => new RegExp(`<section id="${id}">(.*?)</section>`, 's').exec(html)?.[1] ?? '';
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as Report;
    expect(report.expectations.length).toBeGreaterThan(0);
    for (const e of report.expectations) {
      const withEvidence = Object.keys(report.verdicts.find((v) => v.checker === e.name)?.evidence ?? {}).length > 0;
      const row = `<td>${e.name}</td><td>${e.summary}${withEvidence ? '<details><summary>evidence</summary><pre>{' : ''}`;
      expect(section('verdict')).toContain(row);
    }
    expect(section('verdict')).toContain('<details><summary>evidence</summary>');
    for (const region of data.drawn) expect(section('availability')).toMatch(new RegExp(`<tr><td [^>]*>. ${region}</td><td>`));
    expect(section('faults').match(/<tr><td>f-/g)).toHaveLength(faults.length);
    for (const f of faults) expect(section('faults')).toContain(`<tr><td>${f.id}</td><td>${f.kind}</td><td>${f.target}</td>`);
    expect(section('faults').match(/<tr><td>[▲▽] (firing|resolved)<\/td>/g)).toHaveLength(2);
    expect(section('timeline')).toMatch(/<svg[^>]*class="timeline"/);
  });

  it("shows what report.json holds beyond fedsim's own keys (e.g. a noise floor) as a section of its own", async () => {
    const run = join(dir, 'extra');
    await writeSyntheticRun(run, 2000, 200);
    const r = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
    writeFileSync(join(run, 'report.json'), JSON.stringify({ ...r, noiseFloor: { 'us-east-1->eu-west-1': { p50: 0.4 } } }));
    expect(fedsim(['report', run]).code).toBe(0);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toMatch(
      /<section class="extra"><h2>noiseFloor<\/h2><pre>\{\n &quot;us-east-1-&gt;eu-west-1&quot;: \{\n {2}&quot;p50&quot;: 0\.4/,
    );
    expect(html.match(/<section class="extra"><h2>noiseFloor</g)).toHaveLength(1);
  });

  it('shows the noise floor as a table of its canaries beside what was configured, and the bounds it was beyond', async () => {
    const run = join(dir, 'floor');
    await writeSyntheticRun(run, 2000, 200);
    const r = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
    const floor = {
      seconds: 2,
      hostCpu: { cores: 2, mean: 0.95, p90: 0.97 },
      eventLoop: { p99: 3, max: 4 },
      canary: [{ region: 'us-east-1', count: 2, failed: 0, p50: 3.2, p99: 4.4 }],
      links: [{ from: 'us-east-1', to: 'eu-west-1', configuredMs: 160, jitterMs: 0, count: 2, failed: 1, p50: 161.2, p99: 163.9 }],
    };
    writeFileSync(
      join(run, 'report.json'),
      JSON.stringify({ ...r, floor, saturated: ['host CPU 97% busy in the busiest tenth of the run (bound 90%)'] }),
    );
    expect(fedsim(['report', run]).code).toBe(0);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Noise floor</h2>');
    expect(html).toContain('<b>Beyond its bounds</b>: host CPU 97% busy');
    expect(html).toContain('<tr><td>us-east-1</td><td>local</td><td></td><td>3.2</td><td>4.4</td><td>2</td><td>0</td></tr>');
    expect(html).toContain(
      '<tr><td>us-east-1 → eu-west-1</td><td>link</td><td>160</td><td>161.2</td><td>163.9</td><td>2</td><td>1</td></tr>',
    );
    expect(html).not.toMatch(/<section class="extra"><h2>(floor|saturated)</);
  });

  it('judges a run folder with no report.json as check does, and draws a chosen timeline window', async () => {
    const run = join(dir, 'cut-short');
    await writeSyntheticRun(run, 3000, 200);
    rmSync(join(run, 'report.json'));
    const r = fedsim(['report', run, '--timeline', '2s-4s']);
    expect(r.code).toBe(0);
    const html = readFileSync(join(run, 'report.html'), 'utf8');
    expect(html).toContain('no report.json, so judged by fedsim report');
    expect(html).toContain('Timeline, 2–4 s');
    expect(html).toMatch(/steady-state after/);
  });

  it("a run's writeReports writes the plots beside report.json, junit.xml and summary.md", async () => {
    const run = join(dir, 'as-a-run');
    await writeSyntheticRun(run, 2000, 200);
    const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8')) as Report;
    const out = join(dir, 'as-a-run-out');
    mkdirSync(out);
    writeReports(out, report, [], {
      history: await loadHistory(join(run, 'history.jsonl')),
      alerts: loadAlerts(join(run, 'alerts.jsonl')),
    });
    for (const f of ['report.json', 'junit.xml', 'summary.md', 'report.html', 'latency.svg', 'rate.svg'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'rate.svg'), 'utf8').match(/<g class="alert">/g)).toHaveLength(2);
  });

  it('refuses bad input in one sentence, exit 2, writing nothing', () => {
    const missing = fedsim(['report', join(dir, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nowhere: no such file; give a history or a run folder\.$/m);
    const run = join(dir, 'run');
    rmSync(join(run, 'report.html'));
    const bad = fedsim(['report', run, '--timeline', '30s-10s']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^fedsim: --timeline "30s-10s": expected FROM-TO on the run's clock, FROM before TO, e\.g\. 20s-30s\n$/);
    expect(existsSync(join(run, 'report.html'))).toBe(false);
  });
});
