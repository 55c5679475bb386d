import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AvailabilityOptions, availability, recoveries } from '../../src/checkers/availability.js';
import { durability } from '../../src/checkers/durability.js';
import { type LatencyThreshold, LatencyThresholdSchema, latency, latencyTable, localVsRemote } from '../../src/checkers/latency.js';
import { residency, routing } from '../../src/checkers/routing.js';
import type { FaultRecord } from '../../src/faults/log.js';
import { OpGenerator } from '../../src/workload/generator.js';
import { type History, type HistoryLine, HistoryWriter, loadHistory, type MetaLine } from '../../src/workload/history.js';
import { type Consistency, WorkloadSchema } from '../../src/workload/spec.js';
import { killRecord, metaLine } from './histories.js';

// The checkers, each made with its options and given a run, as `fedsim check` does.
const checkDurability = (h: History) => durability()({ history: h, faults: [] });
const checkRouting = (h: History) => routing()({ history: h, faults: [] });
const checkResidency = (h: History) => residency()({ history: h, faults: [] });
const checkLatency = (h: History, thresholds?: LatencyThreshold[]) => latency(thresholds)({ history: h, faults: [] });
const checkAvailability = (h: History, faults: FaultRecord[], opts?: Partial<AvailabilityOptions>) =>
  availability(opts)({ history: h, faults });

/** A history from lines, through the same writer a run uses. */
function history(lines: Exclude<HistoryLine, MetaLine>[], shape?: 'federation' | 'stretched'): History {
  const w = new HistoryWriter(metaLine(shape));
  for (const l of lines) w.add(l);
  return w.history;
}

let nextId = 0;
/** An operation: its invoke and completion lines. */
function op(
  kind: 'create' | 'write' | 'read' | 'read-all',
  o: {
    ws: string;
    cluster?: string;
    region?: string;
    element?: number;
    outcome?: 'ok' | 'fail' | 'info';
    t?: number;
    ms?: number;
    by?: string;
    elements?: number[];
    cl?: Consistency;
  },
): Exclude<HistoryLine, MetaLine>[] {
  const id = nextId++;
  const t = o.t ?? id;
  return [
    {
      type: 'invoke',
      id,
      t,
      region: o.region ?? 'eu',
      kind,
      workspace: o.ws,
      cluster: o.cluster ?? 'w',
      element: o.element,
      ...(o.cl && { consistency: o.cl }),
    },
    {
      type: o.outcome ?? 'ok',
      id,
      t: t + (o.ms ?? 5),
      coordinator: (o.outcome ?? 'ok') === 'ok' ? (o.by ?? 'w-eu-1') : undefined,
      elements: o.elements,
      error: (o.outcome ?? 'ok') === 'ok' ? undefined : 'boom',
    },
  ];
}

type Line = Exclude<HistoryLine, MetaLine>;
const registry = (workspaces: Record<string, string>): Line => ({ type: 'registry', t: 1000, workspaces });
const finalRead = (workspace: string, elements: number[] | undefined, error?: string): Line => ({
  type: 'final-read',
  t: 1001,
  workspace,
  cluster: 'w',
  elements,
  error,
});

describe('durability', () => {
  const writes = [
    ...op('write', { ws: 'a', element: 1 }),
    ...op('write', { ws: 'a', element: 2 }),
    ...op('write', { ws: 'a', element: 3, outcome: 'info' }),
    ...op('write', { ws: 'a', element: 4, outcome: 'fail' }),
  ];

  it('passes when every acknowledged write is read back, counting unknown outcomes that were applied', () => {
    const v = checkDurability(history([...writes, finalRead('a', [1, 2, 3])]));
    expect(v.status).toBe('pass');
    expect(v.evidence).toMatchObject({ acknowledged: 2, ok: 2, lost: 0, recovered: 1, unexpected: 0 });
  });

  it('reports an acknowledged write that is gone as lost, naming it', () => {
    const v = checkDurability(history([...writes, finalRead('a', [1])]));
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^1 of 2 acknowledged writes lost \(first: element 2 in a on w\)/);
    expect(v.evidence.firstLost).toEqual([expect.objectContaining({ element: 2, workspace: 'a', coordinator: 'w-eu-1' })]);
    // An unknown outcome that is absent is not a loss.
    expect(v.evidence).toMatchObject({ lost: 1, unknown: 1 });
  });

  it('reports elements never written, and failed writes that are there, as unexpected', () => {
    const v = checkDurability(history([...writes, finalRead('a', [1, 2, 4, 99])]));
    expect(v.status).toBe('fail');
    expect(v.evidence.firstUnexpected).toEqual([
      { element: 4, workspace: 'a', why: 'its write failed, yet it is there' },
      { element: 99, workspace: 'a', why: 'never written' },
    ]);
  });

  it('does not count writes of a workspace whose final read failed as lost, and is unknown for them', () => {
    const v = checkDurability(
      history([...writes, ...op('write', { ws: 'b', element: 5 }), finalRead('a', [1, 2]), finalRead('b', undefined, 'timeout')]),
    );
    expect(v.status).toBe('unknown');
    expect(v.evidence).toMatchObject({ lost: 0, unread: 1 });
    expect(v.summary).toBe(
      '1 of 3 acknowledged writes could not be read back, in 1 workspace(s) (first: b, its final read failed (timeout)); the 2 read back are all there',
    );
    expect(checkDurability(history([...writes, finalRead('a', undefined, 'timeout')])).status).toBe('unknown');
  });
});

describe('routing and residency', () => {
  const ops = [
    ...op('create', { ws: 'a', cluster: 'main', by: 'main-us-1' }),
    ...op('write', { ws: 'a', element: 1 }),
    ...op('read', { ws: 'a', element: 1 }),
  ];

  it('passes when every operation is served by its home cluster (creates by the Main Cluster)', () => {
    expect(checkRouting(history([...ops, registry({ a: 'w' })]))).toMatchObject({ status: 'pass', evidence: { checked: 3 } });
  });

  it('fails when an operation is served by a cluster the registry does not name', () => {
    const v = checkRouting(
      history([...ops, ...op('write', { ws: 'a', element: 2, cluster: 'main', by: 'main-us-1' }), registry({ a: 'w' })]),
    );
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(
      /^1 of 4 operations served by the wrong cluster \(first: write on a from eu served by main-us-1 of main, registry names w\)/,
    );
  });

  it('fails, in a stretched cluster, when a coordinator is outside the client region', () => {
    const good = op('write', { ws: 'a', element: 1, cluster: 'geo', region: 'eu', by: 'geo-eu-1' });
    const bad = op('write', { ws: 'a', element: 2, cluster: 'geo', region: 'eu', by: 'geo-us-1' });
    expect(checkRouting(history(good, 'stretched')).status).toBe('pass');
    expect(checkRouting(history([...good, ...bad], 'stretched')).status).toBe('fail');
  });

  it("residency fails when a workspace's data is found outside its home", () => {
    const home: Line = { type: 'residency', t: 1, cluster: 'w', workspaces: ['a'] };
    const leak: Line = { type: 'residency', t: 1, cluster: 'main', workspaces: ['a'] };
    expect(checkResidency(history([registry({ a: 'w' }), home])).status).toBe('pass');
    const v = checkResidency(history([registry({ a: 'w' }), home, leak]));
    expect(v.status).toBe('fail');
    expect(v.summary).toBe('1 workspace(s) have data outside their home cluster (first: a found in main, home w)');
  });
});

describe('latency', () => {
  const lines = Array.from({ length: 100 }, (_, i) => op('read', { ws: 'a', element: 1, region: 'us', ms: i + 1, t: i * 200 })).flat();

  it('gives p50/p95/p99/max per client region -> serving region from a histogram', () => {
    const [row] = latencyTable(history(lines));
    expect(row!.pair).toBe('us->eu');
    expect(row!.count).toBe(100);
    expect(row!.p50).toBeCloseTo(50, 0);
    expect(row!.p95).toBeCloseTo(95, 0);
    expect(row!.p99).toBeCloseTo(99, 0);
    expect(row!.max).toBeCloseTo(100, 0);
  });

  it('puts, per client region, what its own region served beside what other regions served', () => {
    const local = Array.from({ length: 10 }, (_, i) => op('read', { ws: 'b', element: 1, region: 'eu', ms: 4, t: i })).flat();
    const reach = localVsRemote(history([...lines, ...local]));
    expect(reach.map((r) => [r.region, r.local?.count, r.remote?.count])).toEqual([
      ['eu', 10, undefined],
      ['us', undefined, 100],
    ]);
    expect(reach[0]!.local!.p99).toBeCloseTo(4, 0);
    expect(reach[1]!.remote!.p50).toBeCloseTo(50, 0);
  });

  it('fails when a threshold is exceeded and names the pair', () => {
    const within = LatencyThresholdSchema.parse({ pair: 'remote', p99: '150ms' });
    const breached = LatencyThresholdSchema.parse({ pair: 'us->eu', p95: '50ms' });
    expect(checkLatency(history(lines), [within]).status).toBe('pass');
    const v = checkLatency(history(lines), [within, breached]);
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/us->eu p95 95\.\d ms > 50 ms/);
  });

  it('leaves out the setup and warm-up: only operations begun after the run mark count', () => {
    // A cold start: the first 20 operations take a second each, then the run begins at t = 50 000.
    const cold = Array.from({ length: 20 }, (_, i) => op('read', { ws: 'a', element: 1, region: 'us', ms: 1000, t: i * 100 })).flat();
    const warm = lines.map((l) => ({ ...l, t: l.t + 50_000 }));
    const p99 = [LatencyThresholdSchema.parse({ pair: 'us->eu', p99: '150ms' })];
    const unmarked = checkLatency(history([...cold, ...warm]), p99);
    expect(unmarked.status).toBe('fail');
    const marked = checkLatency(history([...cold, { type: 'run', t: 50_000 }, ...warm]), p99);
    expect(marked.status).toBe('pass');
    expect(marked.evidence).toMatchObject({ pairs: [{ pair: 'us->eu', count: 100 }] });
  });
});

describe('availability', () => {
  const fault = killRecord({ id: 'f1', asked: { t: 990, wall: '' }, effect: { t: 1000, wall: '' }, undone: { t: 3000, wall: '' } });
  const lines = [
    ...op('write', { ws: 'a', element: 1, t: 500 }),
    ...op('write', { ws: 'a', element: 2, t: 1200, outcome: 'info', ms: 300 }),
    ...op('write', { ws: 'a', element: 3, t: 2000, outcome: 'fail' }),
    // The Main Cluster is not touched by the fault: its success says nothing about recovery.
    ...op('read', { ws: 'm', cluster: 'main', t: 3100, by: 'main-us-1' }),
    ...op('write', { ws: 'a', element: 4, t: 3500, ms: 20 }),
  ];

  it('measures, per fault, the delay to the first failure it caused and to success after undo', () => {
    const v = checkAvailability(history(lines), [fault]);
    expect(v.status).toBe('pass');
    expect(v.evidence.faults).toEqual([
      // The first failure (the info write, done at 1500) is measured from when the kill was asked for (990).
      { id: 'f1', kind: 'kill', target: 'w-eu-1', touched: 4, firstFailureAfter: 510, recoveredAfter: 520 },
    ]);
    expect(v.evidence).toMatchObject({ operations: 5, errors: 2, errorRate: 0.4 });
  });

  it('tells the nodes answering again apart from the clients succeeding again', () => {
    // The node answered its direct probe 200 ms after the undo; the first touched success ended at 3520.
    const answered = { ...fault, answering: { t: 3200, wall: '' } };
    const v = checkAvailability(history(lines), [answered]);
    expect(v.evidence.faults).toEqual([
      { id: 'f1', kind: 'kill', target: 'w-eu-1', touched: 4, firstFailureAfter: 510, recoveredAfter: 520, answeringAfter: 200 },
    ]);
    expect(v.summary).toMatch(/kill w-eu-1: first failure \+0\.5 s, nodes answering \+0\.2 s, clients succeeding \+0\.5 s after undo/);
    expect(checkAvailability(history(lines), [answered], { recoveryWithin: 100 }).summary).toMatch(
      /kill w-eu-1: success again 0\.5 s after undo > 0\.1 s \(its nodes answered CQL 0\.2 s after undo\)/,
    );
    expect(recoveries(history(lines), [answered, killRecord({ id: 'f2', undone: undefined })])).toEqual([
      { id: 'f1', kind: 'kill', target: 'w-eu-1', nodesAnsweringAfter: 200, clientSucceedingAfter: 520 },
    ]);
    // Never probed (or never answered): only the client's side is known.
    expect(recoveries(history(lines), [fault])).toEqual([{ id: 'f1', kind: 'kill', target: 'w-eu-1', clientSucceedingAfter: 520 }]);
  });

  it('fails when the error rate or a recovery exceeds its limit', () => {
    expect(checkAvailability(history(lines), [fault], { maxErrorRate: 0.1 }).summary).toMatch(/^error rate 40\.0% > 10\.0%/);
    expect(checkAvailability(history(lines), [fault], { recoveryWithin: 100 }).summary).toMatch(
      /kill w-eu-1: success again 0\.5 s after undo > 0\.1 s/,
    );
  });

  it('counts the error rate over the measured run: failures of setup and warm-up are left out', () => {
    const warmup = [
      ...op('read', { ws: 'm', cluster: 'main', t: 100, outcome: 'fail' }),
      ...op('write', { ws: 'a', element: 9, t: 200, outcome: 'info' }),
    ];
    const unmarked = checkAvailability(history([...warmup, ...lines]), [fault], { maxErrorRate: 0.4, untouched: 0 });
    expect(unmarked.evidence).toMatchObject({ operations: 7, errors: 4, untouched: { operations: 2, errors: 1 } });
    expect(unmarked.status).toBe('fail');
    const marked = checkAvailability(history([...warmup, { type: 'run', t: 400 }, ...lines]), [fault], { maxErrorRate: 0.4, untouched: 0 });
    expect(marked.evidence).toMatchObject({ operations: 5, errors: 2, untouched: { operations: 1, errors: 0 } });
    expect(marked.status).toBe('pass');
  });

  it('fails when operations no fault touched fail: the rest of the federation must not notice', () => {
    expect(checkAvailability(history(lines), [fault], { untouched: 0 }).status).toBe('pass');
    const worse = [...lines, ...op('read', { ws: 'm', cluster: 'main', t: 2500, outcome: 'fail' })];
    const v = checkAvailability(history(worse), [fault], { untouched: 0 });
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/^1 of 2 operations no fault touched failed \(50\.0% > 0\.0%\)/);
  });

  it('fails when an operation that must fail under a fault succeeds, or none was tried', () => {
    const ok = checkAvailability(history(lines), [fault], { failWhileFaulted: ['write'] });
    expect(ok.status).toBe('pass');
    expect(ok.evidence.faults).toMatchObject([{ whileFaulted: { write: { tried: 2, succeeded: 0, error: 'boom' } } }]);
    const leaked = [...lines, ...op('write', { ws: 'a', element: 5, t: 2500 })];
    expect(checkAvailability(history(leaked), [fault], { failWhileFaulted: ['write'] }).summary).toMatch(
      /^kill w-eu-1: 1 of 3 write operations succeeded while it was in effect/,
    );
    expect(checkAvailability(history(lines), [fault], { failWhileFaulted: ['create'] }).summary).toMatch(
      /^kill w-eu-1: no create was tried while it was in effect/,
    );
  });

  it('names operations by level too: EACH_QUORUM writes fail while a site is out and succeed after; the error rate leaves those out', () => {
    const at = (cl: Consistency, t: number, outcome?: 'fail' | 'info') => op('write', { ws: 'a', element: t, t, outcome, cl });
    const mixed = [
      ...at('LOCAL_QUORUM', 500),
      ...at('EACH_QUORUM', 600),
      // In flight when the kill took effect at 1000.
      ...op('write', { ws: 'a', element: 900, t: 900, ms: 300, outcome: 'info', cl: 'EACH_QUORUM' }),
      ...at('LOCAL_QUORUM', 1200),
      ...at('EACH_QUORUM', 1300, 'fail'),
      ...at('EACH_QUORUM', 2000, 'info'),
      // Undone at 3000, but the site is still booting.
      ...at('EACH_QUORUM', 3050, 'fail'),
      ...at('LOCAL_QUORUM', 3200),
      ...at('EACH_QUORUM', 3400),
    ];
    const expectation = { maxErrorRate: 0, failWhileFaulted: ['write@EACH_QUORUM'], recoveryWithin: 1000 };
    const v = checkAvailability(history(mixed), [fault], expectation);
    expect(v.status).toBe('pass');
    expect(v.evidence).toMatchObject({ operations: 5, errors: 0, expectedFailures: 4 });
    expect(v.evidence.faults).toMatchObject([
      { whileFaulted: { 'write@EACH_QUORUM': { tried: 2, succeeded: 0, triedAfter: 2, recoveredAfter: 405 } } },
    ]);
    // A relapse within the recovery allowance is told, not counted; one after it counts.
    const flap = [...mixed, ...at('EACH_QUORUM', 3500, 'fail')];
    const flapped = checkAvailability(history(flap), [fault], expectation);
    expect(flapped.status).toBe('pass');
    expect(flapped.summary).toMatch(/write@EACH_QUORUM .*succeeded again \+0\.4 s after undo \(then 1 more failed\)/);
    expect(checkAvailability(history([...flap, ...at('EACH_QUORUM', 4100, 'fail')]), [fault], expectation).summary).toMatch(
      /^error rate 16\.7% > 0\.0%/,
    );
    // A LOCAL_QUORUM write failing is not excused; nor is an EACH_QUORUM one getting through the outage.
    expect(checkAvailability(history([...mixed, ...at('LOCAL_QUORUM', 1500, 'fail')]), [fault], expectation).summary).toMatch(
      /^error rate 16\.7% > 0\.0%/,
    );
    expect(checkAvailability(history([...mixed, ...at('EACH_QUORUM', 2500)]), [fault], expectation).summary).toMatch(
      /^kill w-eu-1: 1 of 3 write@EACH_QUORUM operations succeeded while it was in effect/,
    );
    // And it must work again after the undo, soon enough.
    const never = [...mixed.slice(0, -2), ...at('EACH_QUORUM', 3400, 'fail')];
    expect(checkAvailability(history(never), [fault], expectation).summary).toMatch(
      /kill w-eu-1: none of 2 write@EACH_QUORUM operations succeeded after it was undone/,
    );
    expect(checkAvailability(history(mixed), [fault], { ...expectation, recoveryWithin: 300 }).summary).toMatch(
      /^kill w-eu-1: write@EACH_QUORUM succeeded again 0\.4 s after undo > 0\.3 s/,
    );
    // A level the workload gives a kind as its one level names those operations too.
    expect(checkAvailability(history(lines), [fault], { failWhileFaulted: ['write@LOCAL_QUORUM'] }).status).toBe('pass');
    expect(checkAvailability(history(lines), [fault], { failWhileFaulted: ['write@ONE'] }).summary).toMatch(
      /no write@ONE was tried while it was in effect/,
    );
  });

  it('counts errors per window', () => {
    const v = checkAvailability(history(lines), [], { window: 1000 });
    expect(v.evidence.windows).toEqual([
      { t: 0, ok: 1, errors: 0 },
      { t: 1000, ok: 0, errors: 1 },
      { t: 2000, ok: 0, errors: 1 },
      { t: 3000, ok: 2, errors: 0 },
    ]);
  });
});

describe('history files', () => {
  it('load back to the same operations; a broken line names its place', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedsim-history-'));
    const file = join(dir, 'history.jsonl');
    const w = new HistoryWriter(metaLine(), file);
    for (const l of [...op('write', { ws: 'a', element: 7 }), { type: 'run', t: 40 } as const, finalRead('a', [7])]) w.add(l);
    await w.close();
    const back = await loadHistory(file);
    expect(back.ops).toEqual(w.history.ops);
    expect(back.runStart).toBe(40);
    expect(back.finalReads).toEqual(w.history.finalReads);
    writeFileSync(join(dir, 'bad.jsonl'), `${JSON.stringify(metaLine())}\n{"type":"invoke"\n{"type":"run","t":1}\n`);
    await expect(loadHistory(join(dir, 'bad.jsonl'))).rejects.toThrow(/bad\.jsonl:2: not a JSON line/);
    writeFileSync(join(dir, 'nometa.jsonl'), '{"type":"ok","id":1}\n');
    await expect(loadHistory(join(dir, 'nometa.jsonl'))).rejects.toThrow(/starts with its meta line/);
  });
});

describe('the operation generator', () => {
  const ops = (seed: number, locality = 0.3) => {
    const g = new OpGenerator(WorkloadSchema.parse({ seed, locality }), 'us', 0, ['eu-w0', 'eu-w1']);
    return [...g.initial(), ...Array.from({ length: 500 }, () => g.next())];
  };

  it('gives the same operations for the same seed, and others for another', () => {
    expect(ops(3)).toEqual(ops(3));
    expect(ops(4)).not.toEqual(ops(3));
  });

  it('draws levels by weight when a kind mixes them, and draws nothing for one level', () => {
    const mixed = new OpGenerator(
      WorkloadSchema.parse({ seed: 2, consistency: { write: { LOCAL_QUORUM: 3, EACH_QUORUM: 1 } } }),
      'us',
      0,
      [],
    );
    mixed.initial();
    const all = Array.from({ length: 2000 }, () => mixed.next());
    const writes = all.filter((o) => o.kind === 'write');
    const each = writes.filter((o) => o.consistency === 'EACH_QUORUM').length / writes.length;
    expect(each).toBeGreaterThan(0.2);
    expect(each).toBeLessThan(0.3);
    expect(writes.every((o) => o.consistency === 'EACH_QUORUM' || o.consistency === 'LOCAL_QUORUM')).toBe(true);
    expect(all.filter((o) => o.kind !== 'write').every((o) => o.consistency === undefined)).toBe(true);
    expect(ops(3).every((o) => o.consistency === undefined)).toBe(true);
  });

  it('sends about `locality` of the requests to workspaces homed elsewhere, and writes unique elements', () => {
    const all = ops(5, 0.3).filter((o) => o.kind !== 'create');
    const remote = all.filter((o) => o.workspace.startsWith('eu-')).length / all.length;
    expect(remote).toBeGreaterThan(0.22);
    expect(remote).toBeLessThan(0.38);
    const elements = all.filter((o) => o.kind === 'write').map((o) => o.element);
    expect(new Set(elements).size).toBe(elements.length);
  });
});
