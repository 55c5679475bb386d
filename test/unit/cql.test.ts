import { type AddressInfo, createServer } from 'node:net';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { isDriverRefreshBug, regionClient } from '../../src/runtime/cql.js';
import { writeOutcome } from '../../src/workload/workload.js';

describe('the tolerated cassandra-driver refresh bug', () => {
  it("matches only the control connection's null-connection TypeErrors", () => {
    const bug = new TypeError("Cannot read properties of null (reading 'endpoint')");
    bug.stack = `${bug.message}\n    at ControlConnection._refresh (node_modules/cassandra-driver/lib/control-connection.js:495:40)`;
    expect(isDriverRefreshBug(bug)).toBe(true);
    expect(isDriverRefreshBug({ name: 'TypeError', message: bug.message, stack: bug.stack })).toBe(true);
    const elsewhere = new TypeError(bug.message);
    elsewhere.stack = `${bug.message}\n    at run (src/scenarios/runner.ts:10:1)`;
    expect(isDriverRefreshBug(elsewhere)).toBe(false);
    expect(isDriverRefreshBug(new Error(bug.message))).toBe(false);
    expect(isDriverRefreshBug(undefined)).toBe(false);
    // The same race one step later: the null connection handed to _setHealthListeners (seen in CI).
    const later = new TypeError("Cannot read properties of null (reading 'once')");
    later.stack = `${later.message}\n    at ControlConnection._setHealthListeners (node_modules/cassandra-driver/lib/control-connection.js:259:10)`;
    expect(isDriverRefreshBug(later)).toBe(true);
    const otherRead = new TypeError("Cannot read properties of null (reading 'query')");
    otherRead.stack = later.stack.replace('once', 'query');
    expect(isDriverRefreshBug(otherRead)).toBe(false);
  });
});

describe('a session through a gateway whose node refuses', () => {
  it('fails each connection attempt when the gateway closes it, not at the 12 s read timeout', async () => {
    // What Toxiproxy does while its upstream refuses: accept, fail to dial, close.
    const gateway = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const endpoint = `127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const client = regionClient({ endpoints: { '10.0.0.1': endpoint }, localDataCenter: 'dc1' });
    try {
      const t0 = performance.now();
      const err = await client.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(cassandra.errors.NoHostAvailableError);
      const inner = Object.values((err as cassandra.errors.NoHostAvailableError).innerErrors);
      expect(String(inner[0])).toMatch(/Socket was closed/);
      // The driver alone waits for its read timeout (12 s) here.
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      await client.shutdown();
      gateway.close();
    }
  }, 20_000);
});

describe('reconnection of fedsim’s sessions', () => {
  // The schedule of waits before each new try at a lost node, as the driver draws it.
  const waits = (client: cassandra.Client, n: number): number[] => {
    // `options` is the driver's, undeclared in its typings.
    const { options } = client as unknown as { options: cassandra.ClientOptions };
    const schedule = options.policies!.reconnection!.newSchedule();
    return Array.from({ length: n }, () => schedule.next().value as number);
  };

  it('tries a lost node again at once, then after waits doubling from 100 ms and capped at 1 s (the driver’s own: 10 min)', async () => {
    const client = regionClient({ endpoints: { '10.0.0.1': '127.0.0.1:1' }, localDataCenter: 'dc1' });
    try {
      const w = waits(client, 8);
      expect(w[0]).toBe(0);
      // Each wait is jittered to 85-115% of 100, 200, 400, 800, then the cap.
      [100, 200, 400, 800, 1000, 1000, 1000].forEach((d, i) => {
        expect(w[i + 1]).toBeGreaterThanOrEqual(d * 0.85);
        expect(w[i + 1]).toBeLessThanOrEqual(d * 1.15);
      });
      const driverDefault = new cassandra.Client({ contactPoints: ['127.0.0.1:1'], localDataCenter: 'dc1' });
      expect(waits(driverDefault, 20).at(-1)).toBeGreaterThan(60_000);
      await driverDefault.shutdown();
    } finally {
      await client.shutdown();
    }
  });

  it('follows the policy a scenario sets', async () => {
    const client = regionClient({
      endpoints: { '10.0.0.1': '127.0.0.1:1' },
      localDataCenter: 'dc1',
      reconnect: { baseMs: 500, maxMs: 500 },
    });
    try {
      for (const w of waits(client, 6).slice(1)) expect(w).toBeLessThanOrEqual(575);
    } finally {
      await client.shutdown();
    }
  });
});

describe('write outcomes, from the driver’s own error classes', () => {
  const { errors, types } = cassandra;
  const unavailable = () => new errors.ResponseError(types.responseErrorCodes.unavailableException, 'Not enough replicas available');
  const writeTimeout = () => new errors.ResponseError(types.responseErrorCodes.writeTimeout, 'Server timeout during write query');
  const noHost = (inner: Record<string, unknown>) => new errors.NoHostAvailableError(inner as Record<string, Error>);

  it('a fail only when the write provably was not applied; unknown otherwise', () => {
    expect(writeOutcome(unavailable())).toBe('fail');
    expect(writeOutcome(writeTimeout())).toBe('info');
    expect(writeOutcome(new errors.OperationTimedOutError('no answer', '127.0.0.1:9042'))).toBe('info');
    // Every host refused it, or none could be reached: nothing was written.
    expect(writeOutcome(noHost({ 'a:9042': unavailable() }))).toBe('fail');
    expect(writeOutcome(noHost({ 'a:9042': new Error('connect ECONNREFUSED') }))).toBe('fail');
    // One host may have applied it.
    expect(writeOutcome(noHost({ 'a:9042': unavailable(), 'b:9042': writeTimeout() }))).toBe('info');
    expect(writeOutcome(noHost({ 'a:9042': new errors.OperationTimedOutError('no answer', 'a:9042') }))).toBe('info');
  });
});
