import { ALERT_LOOK, FAULT_LOOK, OUTCOME_LOOK, type RegionLook, regionLooks } from './look.js';
import type { Plots } from './plots.js';

/**
 * The static plots beside report.html (latency.svg, rate.svg): what a CI page or a pull request
 * shows without running anything. Panels stacked per region (latency) or per measure (rate) on one
 * time axis, each fault one shaded, hatched band across all panels (class "fault"), each alert a
 * dotted line. Points are thinned again to one per 2x2 pixels and drawn as one path per region and
 * outcome, so a 10^6-operation run stays a small file.
 */
const W = 960;
const LEFT = 64;
const RIGHT = 150;
const TOP = 66;
const PANEL = 150;
const GAP = 26;
const BOTTOM = 40;

const OUTCOME_NAMES = [OUTCOME_LOOK.ok.label, OUTCOME_LOOK.fail.label, OUTCOME_LOOK.info.label];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (v: number) => Math.round(v * 10) / 10;

interface Frame {
  x: (s: number) => number;
  panels: number;
  height: number;
}

function frame(p: Plots, panels: number): Frame {
  const [a, b] = p.span;
  const inner = W - LEFT - RIGHT;
  return { x: (s) => LEFT + ((s - a) / (b - a || 1)) * inner, panels, height: TOP + panels * PANEL + (panels - 1) * GAP + BOTTOM };
}

const panelTop = (i: number) => TOP + i * (PANEL + GAP);

/** Ticks at 1-2-5 steps, about n of them. */
function ticks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / n || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function head(title: string, f: Frame, legend: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${f.height}" width="${W}" height="${f.height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      `<line x1="0" y1="0" x2="0" y2="8" stroke="${FAULT_LOOK.stroke}" stroke-width="1" stroke-opacity="0.35"/></pattern></defs>`,
    `<rect width="${W}" height="${f.height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="16" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<g transform="translate(${LEFT},32)">${legend}</g>`,
  ];
}

/** Time axis under the last panel, and the run's start and end marked in every panel. */
function timeAxis(p: Plots, f: Frame): string[] {
  const bottom = panelTop(f.panels - 1) + PANEL;
  const out = [`<g class="x-axis" stroke="#000">`, `<line x1="${LEFT}" x2="${W - RIGHT}" y1="${bottom}" y2="${bottom}"/>`];
  for (const t of ticks(p.span[0], p.span[1], 10))
    out.push(
      `<line x1="${f1(f.x(t))}" x2="${f1(f.x(t))}" y1="${bottom}" y2="${bottom + 4}"/><text x="${f1(f.x(t))}" y="${bottom + 15}" text-anchor="middle" stroke="none">${t}</text>`,
    );
  out.push(
    `<text x="${(LEFT + W - RIGHT) / 2}" y="${bottom + 32}" text-anchor="middle" stroke="none">time on the run's clock (s)</text></g>`,
  );
  for (const [t, what] of [
    [p.runStart, 'run'],
    [p.runEnd, 'end'],
  ] as const)
    if (t !== undefined)
      out.push(
        `<line class="run-mark" x1="${f1(f.x(t))}" x2="${f1(f.x(t))}" y1="${TOP}" y2="${bottom}" stroke="#555" stroke-dasharray="1 3"/>` +
          `<text x="${f1(f.x(t)) + 2}" y="${bottom - 3}" fill="#555">${what}</text>`,
      );
  return out;
}

/** One band per fault across every panel, labelled above the first; alerts as dotted lines. */
function faultsAndAlerts(p: Plots, f: Frame): string[] {
  const bottom = panelTop(f.panels - 1) + PANEL;
  const out: string[] = [];
  p.faults.forEach((b, i) => {
    const x = f.x(b.from);
    const w = Math.max(1, f.x(b.to) - x);
    out.push(
      `<g class="fault-band" data-fault="${esc(b.id)}"><title>${esc(b.label)}: ${b.from} s to ${b.undone ? `${b.to} s` : 'the end (never undone)'}</title>` +
        `<rect class="fault" x="${f1(x)}" y="${TOP}" width="${f1(w)}" height="${bottom - TOP}" fill="${FAULT_LOOK.fill}" stroke="${FAULT_LOOK.stroke}" stroke-width="0.8"/>` +
        `<rect x="${f1(x)}" y="${TOP}" width="${f1(w)}" height="${bottom - TOP}" fill="url(#hatch)"/>` +
        `<text x="${f1(x + 2)}" y="${TOP + 11 + (i % 3) * 12}" fill="${FAULT_LOOK.stroke}" font-weight="bold">⚡ ${esc(b.label)}</text></g>`,
    );
  });
  for (const a of p.alerts) {
    const x = f1(f.x(a.t));
    const mark = a.status === 'firing' ? ALERT_LOOK.firing : ALERT_LOOK.resolved;
    out.push(
      `<g class="alert"><title>${esc(a.alert)} ${a.status} at ${a.t} s</title><line x1="${x}" x2="${x}" y1="${TOP}" y2="${bottom}" stroke="${ALERT_LOOK.color}" stroke-dasharray="2 2"/>` +
        `<text x="${x}" y="${bottom - 3}" text-anchor="middle" fill="${ALERT_LOOK.color}">${mark}</text></g>`,
    );
  }
  return out;
}

function panelLabel(i: number, text: string, look?: RegionLook): string {
  return `<text x="${LEFT}" y="${panelTop(i) - 5}" font-weight="bold" fill="${look?.color ?? '#000'}">${esc(text)}</text><rect x="${LEFT}" y="${panelTop(i)}" width="${W - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#bbb"/>`;
}

function legendItems(items: string[]): string {
  let x = 0;
  return items
    .map((item) => {
      const g = `<g transform="translate(${x},0)">${item}</g>`;
      x += 170;
      return g;
    })
    .join('');
}

const dotPath = (pts: [number, number][]) => pts.map(([x, y]) => `M${x} ${y}h0`).join('');
const crossPath = (pts: [number, number][]) => pts.map(([x, y]) => `M${x - 2.5} ${y - 2.5}l5 5m0-5l-5 5`).join('');
const ringPath = (pts: [number, number][]) => pts.map(([x, y]) => `M${x - 2.5} ${y}a2.5 2.5 0 1 0 5 0a2.5 2.5 0 1 0-5 0`).join('');

/** The regions whose clients made operations (a region with servers only has no latency to show). */
export const drawnRegions = (p: Plots) => {
  const some = p.regions.filter((r) => p.latency[r]!.counts.some((n) => n > 0));
  return some.length ? some : p.regions;
};

/** latency.svg: per region, every operation's latency (log scale) at its invoke time, by outcome. */
export function latencySvg(p: Plots, title: string): string {
  const looks = regionLooks(p.regions);
  const regions = drawnRegions(p);
  const f = frame(p, regions.length);
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const l of Object.values(p.latency))
    for (const y of l.y) {
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
  if (!Number.isFinite(lo)) [lo, hi] = [1, 10];
  const d0 = Math.floor(Math.log10(Math.max(lo, 0.1)));
  const d1 = Math.max(d0 + 1, Math.ceil(Math.log10(hi)));
  const legend = legendItems([
    `<path d="${dotPath([[4, 0]])}" stroke="#333" stroke-width="5" stroke-linecap="round"/><text x="12" y="4">${OUTCOME_LOOK.ok.label} (region's colour)</text>`,
    `<path d="${crossPath([[4, 0]])}" stroke="${OUTCOME_LOOK.fail.color}" stroke-width="1.5"/><text x="12" y="4">${OUTCOME_LOOK.fail.label}</text>`,
    `<path d="${ringPath([[4, 0]])}" stroke="${OUTCOME_LOOK.info.color}" fill="none"/><text x="12" y="4">${OUTCOME_LOOK.info.label} outcome</text>`,
    `<rect x="0" y="-6" width="10" height="10" fill="url(#hatch)" stroke="${FAULT_LOOK.stroke}"/><text x="14" y="4">fault in effect</text>`,
  ]);
  const out = head(`${title}: latency per operation (ms, log scale)`, f, legend);
  out.push(...faultsAndAlerts(p, f));
  regions.forEach((region, i) => {
    const look = looks[region]!;
    const top = panelTop(i);
    const y = (ms: number) => top + PANEL - ((Math.log10(Math.max(ms, 10 ** d0)) - d0) / (d1 - d0)) * PANEL;
    const l = p.latency[region]!;
    out.push(
      panelLabel(
        i,
        `${look.symbol} ${region}: ${l.counts[0]} ok, ${l.counts[1]} failed, ${l.counts[2]} unknown (${l.x.length} drawn)`,
        look,
      ),
    );
    out.push('<g class="y-axis">');
    for (let d = d0; d <= d1; d++)
      out.push(
        `<line x1="${LEFT - 4}" x2="${W - RIGHT}" y1="${f1(y(10 ** d))}" y2="${f1(y(10 ** d))}" stroke="#eee"/><text x="${LEFT - 6}" y="${f1(y(10 ** d)) + 4}" text-anchor="end">${10 ** d >= 1 ? 10 ** d : (10 ** d).toFixed(-d)}</text>`,
      );
    out.push('</g>');
    // One point per 2x2 pixels and outcome: a dot is 3 pixels wide.
    const byOutcome: [number, number][][] = [[], [], []];
    const seen = new Set<number>();
    for (let k = 0; k < l.x.length; k++) {
      const px = Math.round(f.x(l.x[k]!) / 2) * 2;
      const py = Math.round(y(l.y[k]!) / 2) * 2;
      const key = (l.o[k]! * 2000 + px) * 4000 + py;
      if (seen.has(key)) continue;
      seen.add(key);
      byOutcome[l.o[k]!]!.push([px, py]);
    }
    out.push(
      `<path class="points ok" data-region="${esc(region)}" d="${dotPath(byOutcome[0]!)}" stroke="${look.color}" stroke-width="3" stroke-linecap="round" stroke-opacity="0.6"/>`,
      `<path class="points fail" data-region="${esc(region)}" d="${crossPath(byOutcome[1]!)}" stroke="${OUTCOME_LOOK.fail.color}" stroke-width="1.2"/>`,
      `<path class="points info" data-region="${esc(region)}" d="${ringPath(byOutcome[2]!)}" stroke="${OUTCOME_LOOK.info.color}" fill="none" stroke-width="1"/>`,
    );
  });
  out.push(...timeAxis(p, f), '</svg>', '');
  return out.join('\n');
}

/** rate.svg: per region, successful operations per second (first panel) and errors per second (second). */
export function rateSvg(p: Plots, title: string): string {
  const looks = regionLooks(p.regions);
  const regions = drawnRegions(p);
  const f = frame(p, 2);
  const legend = legendItems(
    regions.map((r) => {
      const look = looks[r]!;
      return `<line x1="0" x2="22" y1="0" y2="0" stroke="${look.color}" stroke-width="2" stroke-dasharray="${look.dash.join(' ')}"/><text x="26" y="4" fill="${look.color}">${look.symbol} ${esc(r)}</text>`;
    }),
  );
  const out = head(`${title}: operations per second (bins of ${p.rate.width} s)`, f, legend);
  out.push(...faultsAndAlerts(p, f));
  (['ok', 'errors'] as const).forEach((which, i) => {
    const top = panelTop(i);
    let max = 1;
    for (const r of regions) for (const v of p.rate[which][r]!) max = Math.max(max, v);
    const y = (v: number) => top + PANEL - (v / max) * PANEL;
    out.push(panelLabel(i, which === 'ok' ? 'successful operations / s' : 'failed or unknown operations / s'));
    out.push('<g class="y-axis">');
    for (const v of ticks(0, max, 4))
      out.push(
        `<line x1="${LEFT - 4}" x2="${W - RIGHT}" y1="${f1(y(v))}" y2="${f1(y(v))}" stroke="#eee"/><text x="${LEFT - 6}" y="${f1(y(v)) + 4}" text-anchor="end">${v}</text>`,
      );
    out.push('</g>');
    // Each line's name at its end, pushed apart where lines end close together.
    const ends: { r: string; y: number }[] = [];
    for (const r of regions) {
      const look = looks[r]!;
      const vs = p.rate[which][r]!;
      // A bin's value at its middle.
      const pts = vs.map((v, k) => `${f1(f.x(p.rate.t[k]! + p.rate.width / 2))} ${f1(y(v))}`);
      if (!pts.length) continue;
      out.push(
        `<path class="series" data-region="${esc(r)}" d="M${pts.join('L')}" fill="none" stroke="${look.color}" stroke-width="1.6" stroke-dasharray="${look.dash.join(' ')}"/>`,
      );
      ends.push({ r, y: y(vs.at(-1)!) + 4 });
    }
    ends.sort((a, b) => a.y - b.y);
    for (let k = 1; k < ends.length; k++) ends[k]!.y = Math.max(ends[k]!.y, ends[k - 1]!.y + 12);
    for (const e of ends)
      out.push(`<text x="${W - RIGHT + 6}" y="${f1(e.y)}" fill="${looks[e.r]!.color}">${looks[e.r]!.symbol} ${esc(e.r)}</text>`);
  });
  out.push(...timeAxis(p, f), '</svg>', '');
  return out.join('\n');
}

/**
 * The timeline (Jepsen's timeline.html): the window's operations as bars from invoke to completion,
 * a row per lane (one operation in flight at a time, as a client worker), grouped by region. An
 * operation still in flight at the end runs to the window's edge, open.
 */
export function timelineSvg(p: Plots): string {
  const looks = regionLooks(p.regions);
  const { from, to, ops } = p.timeline;
  const ROW = 9;
  const rows: string[] = [];
  let y = 20;
  const inner = W - LEFT - 20;
  const x = (s: number) => LEFT + ((Math.min(Math.max(s, from), to) - from) / (to - from || 1)) * inner;
  let lastRegion = '';
  let lastLane = -1;
  const groups: string[] = [];
  for (const [region, lane, invoke, complete, o, kind] of ops) {
    if (region !== lastRegion) {
      if (lastRegion) y += ROW + 8;
      const look = looks[region];
      groups.push(
        `<text x="2" y="${y + 8}" fill="${look?.color ?? '#000'}" font-weight="bold">${look?.symbol ?? ''} ${esc(region)}</text>`,
      );
      lastRegion = region;
      lastLane = lane;
    } else if (lane !== lastLane) {
      y += ROW;
      lastLane = lane;
    }
    const x0 = x(invoke);
    const x1 = complete === null ? x(to) : x(complete);
    const look =
      o === 0
        ? { fill: looks[region]?.color ?? '#333', stroke: 'none', dash: '' }
        : o === 1
          ? { fill: OUTCOME_LOOK.fail.color, stroke: '#000', dash: '' }
          : { fill: '#fff', stroke: OUTCOME_LOOK.info.color, dash: ' stroke-dasharray="2 1"' };
    rows.push(
      `<rect class="op o${o}" x="${f1(x0)}" y="${y + 1}" width="${f1(Math.max(1, x1 - x0))}" height="${ROW - 2}" fill="${look.fill}" stroke="${look.stroke}"${look.dash}><title>${esc(kind)} ${OUTCOME_NAMES[o]} ${invoke}–${complete ?? '…'} s</title></rect>`,
    );
  }
  const height = y + ROW + 34;
  const axis = ticks(from, to, 10)
    .map(
      (t) =>
        `<line x1="${f1(x(t))}" x2="${f1(x(t))}" y1="14" y2="${height - 26}" stroke="#eee"/><text x="${f1(x(t))}" y="${height - 12}" text-anchor="middle">${t}</text>`,
    )
    .join('');
  const bands = p.faults
    .filter((b) => b.to >= from && b.from <= to)
    .map(
      (b) =>
        `<rect class="fault" x="${f1(x(b.from))}" y="14" width="${f1(Math.max(1, x(b.to) - x(b.from)))}" height="${height - 40}" fill="url(#hatch)" stroke="${FAULT_LOOK.stroke}"><title>${esc(b.label)}</title></rect>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" font-family="sans-serif" font-size="10">`,
    '<defs><pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      `<line x1="0" y1="0" x2="0" y2="8" stroke="${FAULT_LOOK.stroke}" stroke-width="1" stroke-opacity="0.35"/></pattern></defs>`,
    axis,
    bands,
    ...groups,
    ...rows,
    '</svg>',
  ].join('');
}
