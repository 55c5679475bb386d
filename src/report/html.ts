import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Recovery } from '../checkers/availability.js';
import { floorLine, type NoiseFloor } from '../checkers/floor.js';
import type { Verdict } from '../checkers/verdict.js';
import type { FaultRecord } from '../faults/log.js';
import type { AlertLine } from '../monitoring/alerts.js';
import { ALERT_LOOK, FAULT_LOOK, OUTCOME_LOOK, regionLooks } from './look.js';
import type { Plots } from './plots.js';
import { drawnRegions, timelineSvg } from './svg.js';

/**
 * report.html: one file that opens from disk with no network. uPlot (its script and stylesheet)
 * is inlined; the plots' data is a JSON block the page's script draws from. Everything else (the
 * verdict, tables, the timeline) is plain HTML and SVG, readable even with scripts off.
 */
export interface PageInput {
  title: string;
  /** Absent: judged with no scenario (no expectations). */
  passed?: boolean;
  subtitle: string;
  expectations: { name: string; holds: boolean; status: Verdict['status']; summary: string }[];
  verdicts: Verdict[];
  faults: FaultRecord[];
  /** Per undone fault, when its nodes answered again and when a client succeeded again (report.json `recovery`). */
  recovery?: Recovery[];
  alerts: AlertLine[];
  plots: Plots;
  /** The run's noise floor (floor.json) and the bounds it was beyond, where one was measured. */
  floor?: NoiseFloor;
  saturated?: string[];
  /** Sections another part of fedsim measured, shown as given. */
  extra?: Record<string, unknown>;
}

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | undefined;
/** uPlot's browser build and stylesheet, read once. */
function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON inside a script element: `<` escaped so no `</script>` can end it early. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
const MARK: Record<Verdict['status'], string> = { pass: '✔ holds', fail: '✖ fails', unknown: '? unknown' };
const EVIDENCE_CHARS = 4000;
const sec = (t?: number) => (t === undefined ? '-' : `${(t / 1000).toFixed(1)} s`);

function evidence(v: Verdict | undefined): string {
  if (!v || !Object.keys(v.evidence).length) return '';
  let text = JSON.stringify(v.evidence, null, 1);
  if (text.length > EVIDENCE_CHARS)
    text = `${text.slice(0, EVIDENCE_CHARS)}\n… (${text.length - EVIDENCE_CHARS} more characters in report.json)`;
  return `<details><summary>evidence</summary><pre>${esc(text)}</pre></details>`;
}

function verdictSection(p: PageInput): string {
  const byName = new Map(p.verdicts.map((v) => [v.checker, v]));
  const rows = p.expectations.map(
    (e) =>
      `<tr class="${e.holds ? 'pass' : e.status}"><td class="mark">${MARK[e.holds ? 'pass' : e.status]}</td><td>${esc(e.name)}</td><td>${esc(e.summary)}${evidence(byName.get(e.name))}</td></tr>`,
  );
  const asked = new Set(p.expectations.map((e) => e.name));
  const others = p.verdicts
    .filter((v) => !asked.has(v.checker))
    .map(
      (v) =>
        `<tr class="${v.status} other"><td class="mark">${MARK[v.status]}</td><td>${esc(v.checker)} (not asked for)</td><td>${esc(v.summary)}${evidence(v)}</td></tr>`,
    );
  return `<section id="verdict"><h2>Verdict</h2><table><thead><tr><th></th><th>expectation</th><th>what was seen</th></tr></thead><tbody>${[...rows, ...others].join('')}</tbody></table></section>`;
}

function availabilitySection(p: PageInput): string {
  const looks = regionLooks(p.plots.regions);
  const rows = drawnRegions(p.plots).map((r) => {
    const w = p.plots.unavailable[r] ?? [];
    return `<tr><td style="color:${looks[r]!.color}">${looks[r]!.symbol} ${esc(r)}</td><td>${w.length ? w.map(([a, b]) => `${a.toFixed(1)}–${b.toFixed(1)} s`).join(', ') : 'none'}</td></tr>`;
  });
  const perFault = (p.verdicts.find((v) => v.checker === 'availability')?.evidence.faults ?? []) as Record<string, unknown>[];
  const faultRows = perFault.map((f) => {
    const cells = Object.entries(f)
      .filter(([, v]) => typeof v !== 'object')
      .map(([k, v]) => `${esc(k)}: ${esc(typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v))}`)
      .join('; ');
    return `<li>${cells}</li>`;
  });
  return `<section id="availability"><h2>Availability windows</h2><p>Stretches (bins of ${p.plots.rate.width} s) where most of a region's completed operations failed or were unknown.</p><table><thead><tr><th>region</th><th>mostly failing</th></tr></thead><tbody>${rows.join('')}</tbody></table>${faultRows.length ? `<p>Per fault, as the availability checker saw it:</p><ul>${faultRows.join('')}</ul>` : ''}</section>`;
}

function faultLog(p: PageInput): string {
  if (!p.faults.length) return '<section id="faults"><h2>Fault log</h2><p>No fault.</p></section>';
  const after = (s?: number) => (s === undefined ? '–' : `+${s.toFixed(1)} s`);
  const rows = p.faults.map((f) => {
    const r = p.recovery?.find((x) => x.id === f.id);
    return `<tr><td>${esc(f.id)}</td><td>${esc(f.kind)}</td><td>${esc(f.target)}</td><td>${esc(f.nodes.join(', ') || f.directions.map((d) => d.join('→')).join(', '))}</td><td>${sec(f.asked.t)}</td><td>${sec(f.effect?.t)}</td><td>${sec(f.undone?.t)}</td><td>${r ? after(r.nodesAnsweringAfter) : ''}</td><td>${r ? after(r.clientSucceedingAfter) : ''}</td><td>${esc(f.error ?? '')}</td></tr>`;
  });
  const alerts = p.alerts.map(
    (a) =>
      `<tr><td>${a.status === 'firing' ? ALERT_LOOK.firing : ALERT_LOOK.resolved} ${esc(a.status)}</td><td>${esc(a.alert)}</td><td>${sec(a.t)}</td><td>${esc(a.summary ?? '')}</td></tr>`,
  );
  return `<section id="faults"><h2>Fault log</h2><table><thead><tr><th>id</th><th>kind</th><th>target</th><th>touched</th><th>asked</th><th>in effect</th><th>undone</th><th>nodes answering again</th><th>client succeeding again</th><th>error</th></tr></thead><tbody>${rows.join('')}</tbody></table>${alerts.length ? `<h3>Alerts</h3><table><thead><tr><th>status</th><th>alert</th><th>at</th><th>summary</th></tr></thead><tbody>${alerts.join('')}</tbody></table>` : ''}</section>`;
}

/** The noise floor: its line, the bounds it was beyond, and each canary, local and per link, beside what was configured. */
function floorSection(floor: NoiseFloor | undefined, saturated: string[] = []): string {
  if (!floor) return '';
  const f = (x: number) => x.toFixed(1);
  const local = floor.canary.map(
    (c) =>
      `<tr><td>${esc(c.region)}</td><td>local</td><td></td><td>${f(c.p50)}</td><td>${f(c.p99)}</td><td>${c.count}</td><td>${c.failed}</td></tr>`,
  );
  const links = (floor.links ?? []).map(
    (l) =>
      `<tr><td>${esc(l.from)} → ${esc(l.to)}</td><td>link</td><td>${l.configuredMs}${l.jitterMs ? ` ± ${l.jitterMs}` : ''}</td><td>${l.count ? f(l.p50) : '-'}</td><td>${l.count ? f(l.p99) : '-'}</td><td>${l.count}</td><td>${l.failed}</td></tr>`,
  );
  const beyond = saturated.length
    ? `<p><b>Beyond its bounds</b>: ${esc(saturated.join('; '))}. Latency, availability and steady-state failures the host can explain are unknown, not failures.</p>`
    : '<p>Within its bounds.</p>';
  return `<section id="floor"><h2>Noise floor</h2><p>What the host alone did, measured beside the run: ${esc(floorLine(floor))}.</p>${beyond}<table><thead><tr><th>canary</th><th>path</th><th>configured round trip, ms</th><th>p50, ms</th><th>p99, ms</th><th>samples</th><th>failed</th></tr></thead><tbody>${[...local, ...links].join('')}</tbody></table></section>`;
}

/** What report.json holds beyond the keys drawn above, each as it is; empty ones say nothing. */
function extraSections(extra: Record<string, unknown> = {}): string {
  const empty = (v: unknown) => v == null || (typeof v === 'object' && Object.keys(v).length === 0);
  return Object.entries(extra)
    .filter(([, v]) => !empty(v))
    .map(([name, v]) => `<section class="extra"><h2>${esc(name)}</h2><pre>${esc(JSON.stringify(v, null, 1))}</pre></section>`)
    .join('');
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:16px 24px;color:#111;max-width:1200px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #ddd}
.badge{display:inline-block;padding:2px 8px;border-radius:4px;font-weight:bold;color:#fff}
.badge.pass{background:#1b7f3b}.badge.fail{background:#b00020}.badge.none{background:#555}
table{border-collapse:collapse;font-size:13px} td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
tr.fail td.mark{color:#b00020;font-weight:bold} tr.pass td.mark{color:#1b7f3b} tr.unknown td.mark{color:#6A3D9A;font-weight:bold}
tr.other{color:#666} pre{font-size:11px;max-height:260px;overflow:auto;background:#f7f7f7;padding:4px}
.chart{margin:6px 0 14px} .chart h3{font-size:13px;margin:4px 0}
.fault-band{position:absolute;top:0;bottom:0;background:${FAULT_LOOK.fill};background-image:repeating-linear-gradient(45deg,rgba(213,94,0,.25) 0 1px,transparent 1px 7px);border-left:1px solid ${FAULT_LOOK.stroke};border-right:1px solid ${FAULT_LOOK.stroke};pointer-events:none;overflow:visible}
.fault-band span{position:absolute;top:2px;left:3px;font-size:11px;font-weight:bold;color:${FAULT_LOOK.stroke};white-space:nowrap}
.alert-mark{position:absolute;top:0;bottom:0;border-left:1px dashed ${ALERT_LOOK.color};pointer-events:none}
.alert-mark span{position:absolute;bottom:0;left:-5px;font-size:11px;color:${ALERT_LOOK.color}}
.grid{display:flex;flex-wrap:wrap;gap:8px}
`;

/** The page's script: draws every chart from the data block, then marks the page drawn (the test and the bench read it). */
const SCRIPT = String.raw`
(function () {
  var D = JSON.parse(document.getElementById('fedsim-data').textContent);
  var P = D.plots, L = D.looks, O = D.outcomes;
  var width = Math.max(480, Math.min(1150, document.body.clientWidth - 8));
  var t0 = performance.now();
  function marks(u) {
    var over = u.over, made = [];
    P.faults.forEach(function (f) {
      var d = document.createElement('div'); d.className = 'fault-band'; d.title = f.label;
      d.dataset.fault = f.id; var s = document.createElement('span'); s.textContent = '\u26a1 ' + f.label; d.appendChild(s);
      over.appendChild(d); made.push([d, f.from, f.to]);
    });
    P.alerts.forEach(function (a) {
      var d = document.createElement('div'); d.className = 'alert-mark'; d.title = a.alert + ' ' + a.status + ' at ' + a.t + ' s';
      var s = document.createElement('span'); s.textContent = a.status === 'firing' ? D.alertMarks.firing : D.alertMarks.resolved; d.appendChild(s);
      over.appendChild(d); made.push([d, a.t, null]);
    });
    return made;
  }
  function placeMarks(u, made) {
    made.forEach(function (m) {
      var l = u.valToPos(m[1], 'x');
      if (m[2] === null) { m[0].style.left = l + 'px'; m[0].style.display = l < 0 || l > u.over.clientWidth ? 'none' : ''; return; }
      var r = u.valToPos(m[2], 'x'), a = Math.max(0, l), b = Math.min(u.over.clientWidth, r);
      m[0].style.left = a + 'px'; m[0].style.width = Math.max(1, b - a) + 'px'; m[0].style.display = b < 0 || a > u.over.clientWidth ? 'none' : '';
    });
  }
  function markPlugin() {
    var made;
    return { hooks: { ready: function (u) { made = marks(u); placeMarks(u, made); }, setScale: function (u) { if (made) placeMarks(u, made); }, setSize: function (u) { if (made) placeMarks(u, made); } } };
  }
  function chart(parent, title, opts, data, attrs) {
    var box = document.createElement('div'); box.className = 'chart';
    for (var k in attrs) box.dataset[k] = attrs[k];
    var h = document.createElement('h3'); h.textContent = title; box.appendChild(h);
    parent.appendChild(box);
    opts.width = opts.width || width; opts.height = opts.height || 220;
    opts.plugins = (opts.plugins || []).concat([markPlugin()]);
    opts.legend = { live: false };
    opts.scales = opts.scales || {}; opts.scales.x = { time: false };
    opts.axes = opts.axes || [{ label: "time on the run's clock (s)" }, {}];
    opts.axes[1].size = 64;
    return new uPlot(opts, data, box);
  }
  // Latency per region: points drawn in a draw hook (dot, cross, ring: told apart without colour).
  var lat = document.getElementById('latency-charts');
  D.drawn.forEach(function (r) {
    var p = P.latency[r], look = L[r], n = p.x.length;
    var ys = [new Array(n), new Array(n), new Array(n)];
    for (var i = 0; i < n; i++) { ys[0][i] = ys[1][i] = ys[2][i] = null; ys[p.o[i]][i] = p.y[i]; }
    var colors = [look.color, O.fail.color, O.info.color];
    var glyphs = ['\u25cf ', '\u2716 ', '\u25cb '];
    var labels = [O.ok.label, O.fail.label, O.info.label];
    chart(lat, look.symbol + ' ' + r + ': latency (ms, log) of ' + (p.counts[0] + p.counts[1] + p.counts[2]) + ' operations: ' + p.counts[0] + ' ok, ' + p.counts[1] + ' failed, ' + p.counts[2] + ' unknown', {
      height: 200,
      scales: { y: { distr: 3, log: 10 } },
      axes: [{ label: "time on the run's clock (s)" }, { label: 'ms' }],
      series: [{}].concat([0, 1, 2].map(function (k) {
        return { label: glyphs[k] + labels[k], stroke: colors[k], width: 0, paths: function () { return null; }, points: { show: false } };
      })),
      hooks: { draw: [function (u) {
        var c = u.ctx, px = window.devicePixelRatio || 1, s = 2 * px, x0 = u.scales.x.min, x1 = u.scales.x.max;
        c.save(); c.beginPath(); c.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height); c.clip();
        for (var k = 0; k < 3; k++) {
          if (!u.series[k + 1].show) continue;
          var y = ys[k]; c.strokeStyle = c.fillStyle = colors[k]; c.lineWidth = px; c.globalAlpha = k === 0 ? 0.55 : 0.9;
          c.beginPath();
          for (var i = 0; i < n; i++) {
            if (y[i] === null || p.x[i] < x0 || p.x[i] > x1) continue;
            var X = u.valToPos(p.x[i], 'x', true), Y = u.valToPos(y[i], 'y', true);
            if (k === 0) c.rect(X - s / 2, Y - s / 2, s, s);
            else if (k === 1) { c.moveTo(X - s, Y - s); c.lineTo(X + s, Y + s); c.moveTo(X + s, Y - s); c.lineTo(X - s, Y + s); }
            else { c.moveTo(X + s, Y); c.arc(X, Y, s, 0, 2 * Math.PI); }
          }
          if (k === 0) c.fill(); else c.stroke();
        }
        c.restore();
      }] }
    }, [p.x].concat(ys), { chart: 'latency', region: r, points: String(n) });
  });
  // Throughput and errors: a line per region, its colour and its dash.
  var rate = document.getElementById('rate-charts');
  ['ok', 'errors'].forEach(function (which) {
    chart(rate, which === 'ok' ? 'successful operations per second (bins of ' + P.rate.width + ' s)' : 'failed or unknown operations per second', {
      height: 200,
      series: [{}].concat(D.drawn.map(function (r) { return { label: L[r].symbol + ' ' + r, stroke: L[r].color, dash: L[r].dash, width: 1.6, points: { show: false } }; })),
    }, [P.rate.t].concat(D.drawn.map(function (r) { return P.rate[which][r]; })), { chart: 'rate-' + which });
  });
  // Quantiles per region pair.
  var q = document.getElementById('quantile-charts');
  P.quantiles.forEach(function (pq) {
    var from = pq.pair.split('->')[0], look = L[from] || { color: '#333', symbol: '' };
    chart(q, (look.symbol ? look.symbol + ' ' : '') + pq.pair + ': successful operations, ms (log), bins of ' + pq.width + ' s', {
      width: Math.min(width, 560), height: 170,
      scales: { y: { distr: 3, log: 10 } },
      series: [{}, { label: 'p50', stroke: look.color, width: 1.5 }, { label: 'p95', stroke: look.color, width: 1.5, dash: [6, 3] }, { label: 'p99', stroke: look.color, width: 1.5, dash: [2, 2] }],
    }, [pq.t, pq.p50, pq.p95, pq.p99], { chart: 'quantiles', pair: pq.pair });
  });
  requestAnimationFrame(function () {
    document.body.dataset.drawn = String(Math.round(performance.now() - t0));
    window.fedsimDrawn = performance.now();
  });
})();
`;

export function reportHtml(p: PageInput): string {
  const { js, css } = uplotAssets();
  const looks = regionLooks(p.plots.regions);
  const badge =
    p.passed === undefined
      ? '<span class="badge none">NO SCENARIO</span>'
      : `<span class="badge ${p.passed ? 'pass' : 'fail'}">${p.passed ? '✔ PASS' : '✖ FAIL'}</span>`;
  const data = {
    plots: p.plots,
    drawn: drawnRegions(p.plots),
    looks,
    outcomes: OUTCOME_LOOK,
    alertMarks: { firing: ALERT_LOOK.firing, resolved: ALERT_LOOK.resolved },
  };
  const tl = p.plots.timeline;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(p.title)}: fedsim report</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>${css}</style><style>${STYLE}</style></head>
<body>
<h1>${esc(p.title)} ${badge}</h1>
<p>${esc(p.subtitle)} Static plots: <a href="latency.svg">latency.svg</a>, <a href="rate.svg">rate.svg</a>. Fault intervals are shaded and hatched (⚡), alerts are dashed lines (${ALERT_LOOK.firing} firing, ${ALERT_LOOK.resolved} resolved). Drag across a chart to zoom, double-click to reset; click a legend entry to hide its series.</p>
${verdictSection(p)}
<section id="latency"><h2>Latency per region</h2><p>Every operation at its invoke time: ${OUTCOME_LOOK.ok.label} a dot in the region's colour, ${OUTCOME_LOOK.fail.label} a red cross (✖), ${OUTCOME_LOOK.info.label} outcome a ring (○). Operations closer together than a pixel are drawn once.</p><div id="latency-charts"></div></section>
<section id="rate"><h2>Throughput and errors per region</h2><div id="rate-charts"></div></section>
<section id="quantiles"><h2>Latency quantiles per region pair (client → serving region)</h2><p>p50 solid, p95 dashed, p99 dotted.</p><div id="quantile-charts" class="grid"></div></section>
${availabilitySection(p)}
${faultLog(p)}
${floorSection(p.floor, p.saturated)}
${extraSections(p.extra)}
<section id="timeline"><h2>Timeline, ${tl.from}–${tl.to} s</h2><p>Each operation a bar from invoke to completion, a row per client lane (one operation in flight at a time): ${OUTCOME_LOOK.ok.label} filled in the region's colour, ${OUTCOME_LOOK.fail.label} red with a black edge, ${OUTCOME_LOOK.info.label} hollow and dashed. ${tl.ops.length} operations${tl.omitted ? ` (${tl.omitted} more in the window left out)` : ''}; \`fedsim report RUN_FOLDER --timeline FROM-TO\` draws another window.</p>${timelineSvg(p.plots)}</section>
<script>${js}</script>
<script type="application/json" id="fedsim-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
