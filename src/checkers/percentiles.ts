import * as hdr from 'hdr-histogram-js';

/**
 * The one percentile definition of fedsim (latency table, thresholds, steady state, live traffic):
 * latencies recorded in ms at µs resolution in an HDR histogram (3 significant digits); the value at
 * a percentile is the histogram's, clamped to the exact maximum recorded (a histogram reports the
 * top of a value's bucket, up to 0.1% above any value in it, so unclamped p99 could exceed max).
 */
type Histogram = hdr.Histogram & { lowestEquivalentValue(value: number): number };

export class Latencies {
  private readonly hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  }) as Histogram;
  /** µs; exact, not a bucket's top. */
  private top = 0;

  record(ms: number): void {
    const us = Math.max(1, Math.round(ms * 1000));
    if (us > this.top) this.top = us;
    this.hist.recordValue(us);
  }

  get count(): number {
    return this.hist.totalCount;
  }

  /** ms at percentile p (0-100): the smallest recorded value that at least p% of values do not exceed. */
  at(p: number): number {
    if (!this.count) return 0;
    return Math.min(this.hist.getValueAtPercentile(p), this.top) / 1000;
  }

  get max(): number {
    return this.top / 1000;
  }

  /**
   * Whether the figure at p holds under a limit in ms: a value on the limit holds, and so does one
   * the histogram cannot tell from the limit (the same bucket, within 0.1%).
   */
  within(p: number, limitMs: number): boolean {
    const figure = Math.round(this.at(p) * 1000);
    const limit = Math.round(limitMs * 1000);
    return figure <= limit || this.hist.lowestEquivalentValue(figure) <= this.hist.lowestEquivalentValue(limit);
  }

  /** Whether the exact maximum holds under a limit in ms. */
  maxWithin(limitMs: number): boolean {
    return this.top <= Math.round(limitMs * 1000);
  }
}
