/**
 * The run's clock: `now()` is monotonic milliseconds since the clock was made, shared by the
 * workload's history and the fault log so that checkers can compare their times; `at()` adds the
 * wall-clock time a person reads.
 */
export interface Instant {
  /** Monotonic ms since the clock's origin. */
  t: number;
  /** Wall-clock time, ISO 8601. */
  wall: string;
}

export class Clock {
  private readonly origin = performance.now();
  readonly startedAt = new Date();

  now(): number {
    return Math.round((performance.now() - this.origin) * 1000) / 1000;
  }

  at(): Instant {
    return { t: this.now(), wall: new Date().toISOString() };
  }
}
