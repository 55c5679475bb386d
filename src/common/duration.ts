import { z } from 'zod';

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "150ms", "1.5s", "2m", "500us" or a bare number of milliseconds; undefined when it cannot. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? 1);
  return Number.isFinite(ms) ? ms : undefined;
}

export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A duration field in milliseconds, written as "150ms", "2s", "1m" or a number of ms. */
export function duration(maxMs = 24 * 3_600_000) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "150ms", "2s" or "1m", got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      if (ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `expected at most ${formatDuration(maxMs)}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description: 'a duration: "150ms", "2s", "1m", or a number of milliseconds' });
}
