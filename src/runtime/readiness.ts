import { connect } from 'node:net';
import type { Say } from '../common/say.js';
import { sleep } from '../common/sleep.js';
import { reason } from '../errors.js';
import { answersCql } from './cql.js';
import type { Engine } from './engine.js';

/**
 * Readiness as values (testcontainers' wait strategies): a probe says whether a component is ready
 * and, when it is not, why; one `waitUntil` runs any of them with a deadline, an interval, progress
 * lines and an abort signal.
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

/** A CQL native-protocol endpoint that answers a handshake. */
export function cqlProbe(what: string, endpoint: string): Probe {
  return { what, check: async () => ((await answersCql(endpoint)) ? undefined : `no CQL answer at ${endpoint}`) };
}

/** A TCP port that accepts a connection. */
export function tcpProbe(host: string, port: number): Probe {
  return {
    what: `${host}:${port} accepting connections`,
    check: () =>
      new Promise((resolve) => {
        const socket = connect({ host, port, timeout: 1000 });
        const done = (why?: string) => {
          socket.destroy();
          resolve(why);
        };
        socket.once('connect', () => done());
        socket.once('timeout', () => done('no answer within 1 s'));
        socket.once('error', (err) => done(reason(err)));
      }),
  };
}

/** An HTTP GET answering a given status. */
export function httpProbe(url: string, status: number): Probe {
  return {
    what: `${url} answering ${status}`,
    check: async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.status === status ? undefined : `answered ${res.status}`;
    },
  };
}

/** A command that exits 0 inside the container. */
export function commandProbe(engine: Engine, container: string, cmd: string[]): Probe {
  return {
    what: `\`${cmd.join(' ')}\` exiting 0 in ${container}`,
    check: async () => {
      const r = await engine.exec(container, cmd, 10_000);
      return r.code === 0 ? undefined : `exit ${r.code}${r.output.trim() ? `: ${r.output.trim().split('\n').slice(-1)[0]}` : ''}`;
    },
  };
}

/** A line of the container's log matching a regular expression. */
export function logProbe(engine: Engine, container: string, pattern: string): Probe {
  const re = new RegExp(pattern, 'm');
  return {
    what: `a log line of ${container} matching /${pattern}/`,
    check: async () => (re.test(await engine.logs(container)) ? undefined : 'no such line yet'),
  };
}
