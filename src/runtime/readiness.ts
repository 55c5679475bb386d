import { connect } from 'node:net';
import { reason } from '../errors.js';
import { answersCql } from './cql.js';
import type { Engine } from './engine.js';
import type { Probe } from './wait.js';

/** Probes: what readiness is made of, run by waitUntil (wait.ts). */

/** A CQL native-protocol endpoint that answers a handshake (within `timeoutMs` a try). */
export function cqlProbe(what: string, endpoint: string, timeoutMs?: number): Probe {
  return { what, check: async () => ((await answersCql(endpoint, timeoutMs)) ? undefined : `no CQL answer at ${endpoint}`) };
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
