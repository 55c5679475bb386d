import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { tcpProbe } from '../../src/runtime/readiness.js';
import { type Probe, waitUntil } from '../../src/runtime/wait.js';

/** A probe that is ready from its `readyAt`-th try on (never when undefined), and counts its tries. */
function counting(readyAt: number | undefined, fail: (n: number) => string | Error = (n) => `try ${n}`): Probe & { tries: number } {
  const p = {
    what: 'the thing',
    tries: 0,
    check: async () => {
      p.tries++;
      if (readyAt !== undefined && p.tries >= readyAt) return undefined;
      const why = fail(p.tries);
      if (why instanceof Error) throw why;
      return why;
    },
  };
  return p;
}

describe('waitUntil: one wait for every readiness', () => {
  it('returns ready once the probe is, after trying again at its interval', async () => {
    const p = counting(3);
    const outcome = await waitUntil(p, { timeoutMs: 10_000, everyMs: 1 });
    expect(outcome.ready).toBe(true);
    expect(p.tries).toBe(3);
  });

  it('gives up after its deadline with the last reason the probe gave', async () => {
    const outcome = await waitUntil(counting(undefined), { timeoutMs: 30, everyMs: 5 });
    expect(outcome).toMatchObject({ ready: false, last: expect.stringMatching(/^try \d+$/) });
    expect(outcome.ms).toBeGreaterThan(30);
  });

  it('reads a probe that throws as not ready yet, its error the reason', async () => {
    const p = counting(2, () => new Error('connection refused'));
    expect((await waitUntil(p, { timeoutMs: 10_000, everyMs: 1 })).ready).toBe(true);
    const never = await waitUntil(
      counting(undefined, () => new Error('connection refused')),
      { timeoutMs: 10, everyMs: 1 },
    );
    expect(never).toMatchObject({ ready: false, last: 'connection refused' });
  });

  it('ends early with the reason of `stop` (a container that exited will never be ready)', async () => {
    const p = counting(undefined);
    const outcome = await waitUntil(p, {
      timeoutMs: 60_000,
      everyMs: 1,
      stop: async () => (p.tries >= 2 ? 'it exited (code 1)' : undefined),
    });
    expect(outcome).toMatchObject({ ready: false, last: 'it exited (code 1)' });
    expect(p.tries).toBe(2);
  });

  it("throws the signal's reason when aborted, as the waits it replaced did", async () => {
    const stop = new AbortController();
    const p = counting(undefined);
    const waiting = waitUntil(p, { timeoutMs: 60_000, everyMs: 10_000, signal: stop.signal });
    setTimeout(() => stop.abort(new Error('interrupted')), 20);
    await expect(waiting).rejects.toThrow('interrupted');
    expect(p.tries).toBe(1);
  });

  it('says what it waits for, at most every 5 s', async () => {
    const said: string[] = [];
    await waitUntil(counting(undefined), { timeoutMs: 50, everyMs: 5, say: (l) => said.push(l) });
    expect(said).toEqual([]);
  });
});

describe('tcpProbe', () => {
  let server: Server;
  afterAll(() => server?.close());

  it('is ready when the port accepts a connection, and says why not when it does not', async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    expect(await tcpProbe('127.0.0.1', port).check()).toBeUndefined();
    server.close();
    await new Promise((r) => server.once('close', r));
    expect(await tcpProbe('127.0.0.1', port).check()).toMatch(/ECONNREFUSED/);
  });
});
