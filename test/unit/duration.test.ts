import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/common/duration.js';

describe('durations', () => {
  it.each([
    ['150ms', 150],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['500us', 0.5],
    [' 30 ', 30],
    [42, 42],
    ['1h30m', 5_400_000],
    ['2m30.5s', 150_500],
    ['1h0m5s', 3_605_000],
    ['1s500ms', 1500],
    ['250µs', 0.25],
  ])('parses %j', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['soon', '-5ms', '5 parsecs', '', 'Infinity', Number.NaN, -1, '1m1m', '30s1m', '1h 30m', '1h30', 'h'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats whole units', () => {
    expect([formatDuration(120_000), formatDuration(3000), formatDuration(150)]).toEqual(['2m', '3s', '150ms']);
  });
});
