import type { Say } from '../common/say.js';
import { sleep } from '../common/sleep.js';
import { reason } from '../errors.js';

/**
 * Readiness as values (testcontainers' wait strategies): a probe says whether a component is ready
 * and, when it is not, why; one `waitUntil` runs any of them with a deadline, an interval, progress
 * lines and an abort signal. It imports nothing of the runtime, so the engine file waits with it too
 * (a dockerd just started); the probes themselves are in readiness.ts.
 */
export interface Probe {
  /** What is awaited, for messages: "http://10.213.0.150:8080/ answering 200". */
  what: string;
  /** undefined when ready; else why not yet. */
  check(): Promise<string | undefined>;
}

export type WaitOutcome = { ready: true; ms: number } | { ready: false; ms: number; last: string };

/**
 * Runs `probe` every `everyMs` until it is ready or `timeoutMs` passes. `stop` is asked between
 * tries and ends the wait early with its reason (a container that exited will never be ready). An
 * aborted `signal` throws its reason. A probe that throws is not ready yet, its error the reason.
 */
export async function waitUntil(
  probe: Probe,
  opts: { timeoutMs: number; everyMs?: number; say?: Say; signal?: AbortSignal; stop?: () => Promise<string | undefined> },
): Promise<WaitOutcome> {
  const t0 = performance.now();
  let lastSaid = t0;
  let last = 'not tried';
  for (;;) {
    opts.signal?.throwIfAborted();
    const why = await probe.check().catch((err) => reason(err));
    const ms = performance.now() - t0;
    if (why === undefined) return { ready: true, ms };
    last = why;
    const stopped = await opts.stop?.();
    if (stopped) return { ready: false, ms, last: stopped };
    if (ms > opts.timeoutMs) return { ready: false, ms, last };
    if (opts.say && performance.now() - lastSaid >= 5000) {
      opts.say(`waiting for ${probe.what} (${Math.round(ms / 1000)} s: ${last})`);
      lastSaid = performance.now();
    }
    await sleep(opts.everyMs ?? 100, opts.signal);
  }
}
