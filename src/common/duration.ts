import { z } from 'zod';

/** Units from the largest, as Go and Prometheus write them (µs also as us). */
const UNITS: [string, number][] = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
  ['us', 0.001],
];
const PART = /(\d+(?:\.\d+)?)(ms|us|µs|h|m|s)/y;

/**
 * Parses "150ms", "1.5s", "2m", "500us", compound ones from the largest unit down as Go and
 * Prometheus write them ("1h30m", "2m30.5s"), or a bare number of milliseconds; undefined when it cannot.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const s = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) return Number(s);
  let ms = 0;
  let rank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const m = PART.exec(s);
    if (!m) return undefined;
    const r = UNITS.findIndex(([u]) => u === (m[2] === 'µs' ? 'us' : m[2]));
    // Each unit once, from the largest down ("1m1m" and "30s1m" are typos, not durations).
    if (r <= rank) return undefined;
    rank = r;
    ms += Number(m[1]) * UNITS[r]![1];
  }
  return s && Number.isFinite(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A duration field in milliseconds, written as "150ms", "2s", "1m", "1h30m" or a number of ms; with
 * `positive`, zero is refused too (an interval, a timeout or a length that zero would break).
 */
export function duration(maxMs = 24 * 3_600_000, positive = false) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "150ms", "2s", "1m" or "1h30m", got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (positive && ms === 0) {
        ctx.addIssue({ code: 'custom', message: `expected a duration above zero, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `expected at most ${formatDuration(maxMs)}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: 'a duration: "150ms", "2s", "1m", "1h30m", or a number of milliseconds' });
}
