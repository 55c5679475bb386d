import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { History } from '../workload/history.js';
import { type PageInput, reportHtml } from './html.js';
import { buildPlots, type PlotOptions } from './plots.js';
import { latencySvg, rateSvg } from './svg.js';

/** The files writeVisuals writes into a run folder. */
export const VISUAL_FILES = { html: 'report.html', latency: 'latency.svg', rate: 'rate.svg' } as const;

export interface VisualInput extends Omit<PageInput, 'plots'> {
  history: History;
  plot?: PlotOptions;
}

/** report.html and the SVGs beside it; returns report.html's path. */
export function writeVisuals(dir: string, v: VisualInput): string {
  const plots = buildPlots(v.history, v.faults, v.alerts, v.plot);
  writeFileSync(join(dir, VISUAL_FILES.latency), latencySvg(plots, v.title));
  writeFileSync(join(dir, VISUAL_FILES.rate), rateSvg(plots, v.title));
  const file = join(dir, VISUAL_FILES.html);
  writeFileSync(file, reportHtml({ ...v, plots }));
  return file;
}
