/**
 * How a region and an outcome look wherever fedsim draws them (the dashboard, report.html, the
 * SVG plots): a colour and also a symbol and a dash pattern, so that nothing is told apart by colour
 * alone (NO_COLOR, a grey print, colour-blind readers). Colours are the Okabe-Ito palette, which
 * stays distinct for the common colour-vision deficiencies.
 */
export interface RegionLook {
  color: string;
  symbol: string;
  /** SVG stroke-dasharray / canvas setLineDash; empty: solid. */
  dash: number[];
}

const COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#999999', '#000000'];
const SYMBOLS = ['●', '▲', '■', '◆', '▼', '★', '⬟', '✚'];
const DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3]];

/** The look of every region, by its place in the federation's list (stable for a topology). */
export function regionLooks(regions: string[]): Record<string, RegionLook> {
  return Object.fromEntries(
    regions.map((r, i) => [
      r,
      { color: COLORS[i % COLORS.length]!, symbol: SYMBOLS[i % SYMBOLS.length]!, dash: DASHES[i % DASHES.length]! },
    ]),
  );
}

/** An operation's outcome: ok a dot in its region's colour, failed a red cross, unknown a hollow ring. */
export const OUTCOME_LOOK = {
  ok: { label: 'ok', mark: 'dot', color: '' },
  fail: { label: 'failed', mark: 'cross', color: '#D00000' },
  info: { label: 'unknown', mark: 'ring', color: '#6A3D9A' },
} as const;

/** A fault's interval: shaded and hatched (a pattern, not only a tint). */
export const FAULT_LOOK = { fill: 'rgba(213,94,0,0.13)', stroke: '#D55E00' } as const;
/** An alert's firing or resolving: a dotted vertical line marked ▲ (firing) or ▽ (resolved). */
export const ALERT_LOOK = { color: '#7B2CBF', firing: '▲', resolved: '▽' } as const;
