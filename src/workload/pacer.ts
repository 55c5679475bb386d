/**
 * The workload's rate: hands out start times `start + i / rate` to the workers of a region, one
 * after another. Slots missed while every worker waited on slow requests are skipped, not made up
 * in a burst once requests are fast again: a region whose requests fail fast after a timeout
 * would otherwise flood its cluster (and the history) with the backlog.
 */
export class Pacer {
  private slot = 0;
  private readonly interval: number;

  constructor(
    /** Operations per second; 0: no pacing. */
    rate: number,
    private readonly start: number,
  ) {
    this.interval = rate > 0 ? 1000 / rate : 0;
  }

  /** When the next operation may start, asked at `now`. */
  due(now: number): number {
    if (!this.interval) return now;
    if (this.start + this.slot * this.interval < now - this.interval) this.slot = Math.ceil((now - this.start) / this.interval);
    return this.start + this.slot++ * this.interval;
  }
}
