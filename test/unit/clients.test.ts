import { describe, expect, it } from 'vitest';
import { isDriverRefreshBug } from '../../src/workload/clients.js';

describe('the tolerated cassandra-driver refresh bug', () => {
  it("matches only the control connection's null-endpoint TypeError", () => {
    const bug = new TypeError("Cannot read properties of null (reading 'endpoint')");
    bug.stack = `${bug.message}\n    at ControlConnection._refresh (node_modules/cassandra-driver/lib/control-connection.js:495:40)`;
    expect(isDriverRefreshBug(bug)).toBe(true);
    expect(isDriverRefreshBug({ name: 'TypeError', message: bug.message, stack: bug.stack })).toBe(true);
    const elsewhere = new TypeError(bug.message);
    elsewhere.stack = `${bug.message}\n    at run (src/scenarios/runner.ts:10:1)`;
    expect(isDriverRefreshBug(elsewhere)).toBe(false);
    expect(isDriverRefreshBug(new Error(bug.message))).toBe(false);
    expect(isDriverRefreshBug(undefined)).toBe(false);
  });
});
