import type { RemoteWriteRow } from '../checkers/remote-write.js';
import type { SeriesRow } from '../checkers/samples.js';
import type { Verdict } from '../checkers/verdict.js';

/**
 * summary.md's part for the agents' remote write (the federation document's comparison, measured):
 * per agent region, each layout's path with its p50/p99 side by side, and the ratio of the first
 * layout's p50 to the second's; then the samples sent and found.
 */
const ms = (x?: number) => (x === undefined ? '-' : `${x < 10 ? x.toFixed(1) : x.toFixed(0)} ms`);

export function remoteWriteSummary(verdicts: Verdict[]): string[] {
  const lines: string[] = [];
  const rw = verdicts.find((v) => v.checker === 'remote-write')?.evidence.rows as RemoteWriteRow[] | undefined;
  if (rw?.length) {
    const layouts = [...new Set(rw.map((r) => r.layout))];
    const regions = [...new Set(rw.map((r) => r.pair.split('->')[0]!))];
    const row = (layout: string, region: string) => rw.find((r) => r.layout === layout && r.pair.startsWith(`${region}->`));
    const two = layouts.length === 2;
    lines.push(
      "Remote write as the agents measured it (their own `vmagent_remotewrite_duration_seconds`, outside faults), per agent's region:",
      '',
      `| agent region | ${layouts.map((l) => `${l}: path | p50 | p99`).join(' | ')}${two ? ` | p50 ${layouts[0]} / ${layouts[1]}` : ''} |`,
      `| --- |${' --- | --- | --- |'.repeat(layouts.length)}${two ? ' --- |' : ''}`,
    );
    for (const region of regions) {
      const cells = layouts.map((l) => {
        const r = row(l, region);
        return r ? `${r.pair} | ${ms(r.p50)} | ${ms(r.p99)}` : '- | - | -';
      });
      const [a, b] = layouts.map((l) => row(l, region)?.p50);
      const ratio = two ? ` | ${a !== undefined && b ? `${(a / b).toFixed(1)}x` : '-'}` : '';
      lines.push(`| ${region} | ${cells.join(' | ')}${ratio} |`);
    }
    lines.push(
      '',
      '| layout | agent | path | requests timed | failed while no fault touched it | failed during faults | blocks dropped | bytes pending at the end |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rw.map(
        (r) =>
          `| ${r.layout} | ${r.agent} | ${r.pair} | ${r.requests} | ${r.errorsUntouched} | ${r.errorsTouched} | ${r.dropped} | ${r.pendingBytes ?? '-'} |`,
      ),
    );
    lines.push('');
  }
  const samples = verdicts.find((v) => v.checker === 'samples')?.evidence.rows as SeriesRow[] | undefined;
  if (samples?.length) {
    lines.push(
      "Samples (one series per layout and region, pushed through the region's agent), read back after heal:",
      '',
      "| series | pushed | acknowledged | found in its store | missing | of them pushed before a kill | in other regions' stores | via the global layer |",
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...samples.map(
        (s) =>
          `| ${s.key} | ${s.sent} | ${s.acked} | ${s.found ?? '-'} | ${s.missing} | ${s.lostInKill} | ${s.foreign ?? '-'} | ${s.global ?? '-'} |`,
      ),
      '',
    );
  }
  return lines;
}

/** The same comparison in a few terminal lines, after a run's verdict: per agent region, each layout's p50 / p99. */
export function remoteWriteLines(verdicts: Verdict[]): string[] {
  const rw = verdicts.find((v) => v.checker === 'remote-write')?.evidence.rows as RemoteWriteRow[] | undefined;
  if (!rw?.length) return [];
  const layouts = [...new Set(rw.map((r) => r.layout))];
  const regions = [...new Set(rw.map((r) => r.pair.split('->')[0]!))];
  const fig = (r?: RemoteWriteRow) => (r ? `${ms(r.p50)} / ${ms(r.p99)} (${r.pair})` : '-');
  return [
    `  remote write as the agents measured it, p50 / p99 (${layouts.join(' vs ')}):`,
    ...regions.map((region) => {
      const rows = layouts.map((l) => rw.find((r) => r.layout === l && r.pair.startsWith(`${region}->`)));
      const [a, b] = rows.map((r) => r?.p50);
      const ratio = rows.length === 2 && a !== undefined && b ? `  ${(a / b).toFixed(1)}x` : '';
      return `    ${region.padEnd(16)} ${rows.map((r) => fig(r).padEnd(42)).join(' ')}${ratio}`;
    }),
  ];
}
