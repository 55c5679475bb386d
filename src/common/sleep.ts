import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms` (nothing when it is negative), or less when the signal aborts. It never rejects: the
 * caller decides what an abort means, usually `signal.throwIfAborted()` at the top of its loop.
 * The timer and the signal's listener are removed either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(Math.max(0, ms), undefined, { signal }).catch(() => undefined);
}
