import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../bench/chromium.js';
import { REGIONS, writeSyntheticRun } from '../../bench/runs.js';
import { projectRoot } from '../../src/paths.js';

/**
 * report.html in a real browser (Debian's headless Chromium, driven over the DevTools protocol),
 * with every request other than file: refused: no console error, every chart drawn, a legend entry
 * per region, one shaded band per fault in every chart. A screenshot lands in the run folder.
 */
const cli = join(import.meta.dirname, '../../dist/src/cli.js');

interface ChartSeen {
  chart: string;
  key: string;
  /** Pixels of the chart's canvas drawn in a colour (not transparent, not the black or grey of axes and grid). */
  coloured: number;
  bands: number;
  /** The bands' labels, of those drawn across some of the chart (displayed, at least a pixel wide inside its edges). */
  shaded: string[];
  alerts: number;
  legend: string[];
}

/** What the page drew, chart by chart. */
const SEEN = `(() => [...document.querySelectorAll('.chart')].map((c) => {
  const cv = c.querySelector('canvas');
  const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
  let coloured = 0;
  for (let i = 0; i < d.length; i += 4) {
    const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
    if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
  }
  return {
    chart: c.dataset.chart, key: c.dataset.region || c.dataset.pair || '', coloured,
    bands: c.querySelectorAll('.fault-band').length,
    shaded: [...c.querySelectorAll('.fault-band')].filter((b) => b.style.display !== 'none' && b.clientWidth > 0).map((b) => b.textContent),
    alerts: c.querySelectorAll('.alert-mark').length,
    legend: [...c.querySelectorAll('.u-legend .u-series .u-label')].map((l) => l.textContent),
  };
}))()`;

async function open(
  browser: Browser,
  file: string,
): Promise<{ charts: ChartSeen[]; faults: number; labels: string[]; regions: string[]; timelineOps: number }> {
  await browser.open(`file://${file}`);
  await browser.until('document.body.dataset.drawn', 60_000);
  return {
    charts: await browser.eval<ChartSeen[]>(SEEN),
    faults: await browser.eval<number>(`JSON.parse(document.getElementById('fedsim-data').textContent).plots.faults.length`),
    labels: await browser.eval<string[]>(`JSON.parse(document.getElementById('fedsim-data').textContent).plots.faults.map((f) => f.label)`),
    regions: await browser.eval<string[]>(`JSON.parse(document.getElementById('fedsim-data').textContent).drawn`),
    timelineOps: await browser.eval<number>(`document.querySelectorAll('svg.timeline rect.op').length`),
  };
}

describe('report.html in headless Chromium, no network', { timeout: 180_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await Browser.launch(1200, 900);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('a run with two faults and an alert: every chart drawn, per region a legend entry, per fault a band; screenshot saved', async () => {
    const run = join(mkdtempSync(join(tmpdir(), 'fedsim-browser-')), 'run');
    const faults = await writeSyntheticRun(run, 20_000, 200);
    const r = spawnSync(process.execPath, [cli, 'report', run], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const seen = await open(browser, join(run, 'report.html'));
    writeFileSync(join(run, 'report.png'), await browser.screenshot());
    expect(browser.errors).toEqual([]);
    expect(browser.network).toEqual([]);
    expect(seen.faults).toBe(faults.length);
    expect(seen.labels).toEqual(faults.map((f) => `${f.kind} ${f.target}`));
    const kinds = seen.charts.map((c) => c.chart);
    expect(kinds.filter((k) => k === 'latency')).toHaveLength(REGIONS.length);
    expect(kinds).toContain('rate-ok');
    expect(kinds).toContain('rate-errors');
    expect(kinds.filter((k) => k === 'quantiles').length).toBeGreaterThan(0);
    for (const c of seen.charts) {
      expect(c.coloured, `${c.chart} ${c.key} drew nothing`).toBeGreaterThan(50);
      expect(c.bands, `${c.chart} ${c.key}`).toBe(faults.length);
      // Each fault's interval shaded across the chart and labelled with what the fault was.
      expect(c.shaded, `${c.chart} ${c.key}`).toEqual(seen.labels.map((l) => `⚡ ${l}`));
      expect(c.alerts, `${c.chart} ${c.key}`).toBe(2);
    }
    for (const which of ['rate-ok', 'rate-errors']) {
      const legend = seen.charts.find((c) => c.chart === which)!.legend;
      for (const region of REGIONS) expect(legend.some((l) => l.endsWith(region))).toBe(true);
    }
    // Outcomes told apart by a symbol in the legend, not colour alone.
    expect(seen.charts.find((c) => c.chart === 'latency')!.legend).toEqual(['● ok', '✖ failed', '○ unknown']);
    expect(seen.timelineOps).toBeGreaterThan(100);
    expect(existsSync(join(run, 'report.png'))).toBe(true);
  });

  it('the library example under docs/ (a real run of voedger-federation) opens as cleanly', async () => {
    const seen = await open(browser, join(projectRoot, 'docs/example-report/report.html'));
    expect(browser.errors).toEqual([]);
    expect(browser.network).toEqual([]);
    expect(seen.faults).toBeGreaterThan(0);
    for (const c of seen.charts) {
      expect(c.coloured, `${c.chart} ${c.key} drew nothing`).toBeGreaterThan(50);
      expect(c.bands).toBe(seen.faults);
      expect(c.shaded, `${c.chart} ${c.key}`).toEqual(seen.labels.map((l) => `⚡ ${l}`));
    }
    for (const which of ['rate-ok', 'rate-errors']) {
      const legend = seen.charts.find((c) => c.chart === which)!.legend;
      for (const region of seen.regions)
        expect(
          legend.some((l) => l.endsWith(region)),
          `${which}: ${region}`,
        ).toBe(true);
    }
  });
});
