import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/workload/pacer.js';

describe('the workload pacer', () => {
  it('hands out slots 1/rate apart while the workers keep up', () => {
    const p = new Pacer(100, 1000);
    expect([p.due(1000), p.due(1000), p.due(1005), p.due(1030)]).toEqual([1000, 1010, 1020, 1030]);
  });

  it('skips the slots missed while requests were slow instead of bursting through them', () => {
    const p = new Pacer(100, 0);
    expect(p.due(0)).toBe(0);
    // Every worker waited 5 s on a timeout: 500 slots went by.
    const after = [p.due(5000), p.due(5000), p.due(5000), p.due(5000)];
    expect(after).toEqual([5000, 5010, 5020, 5030]);
    // Within a slot of the schedule is on time, not missed.
    expect(p.due(5045)).toBe(5040);
  });

  it('at rate 0 never holds an operation back', () => {
    const p = new Pacer(0, 0);
    expect([p.due(3), p.due(3), p.due(7)]).toEqual([3, 3, 7]);
  });
});
