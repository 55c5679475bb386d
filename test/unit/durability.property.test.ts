import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durability } from '../../src/checkers/durability.js';
import { type HistoryLine, HistoryWriter, type MetaLine } from '../../src/workload/history.js';
import { metaLine } from './histories.js';

/**
 * Durability against a known truth: random histories of writes (acknowledged, of unknown outcome,
 * failed), each element's fate after heal (read back, gone, moved to another workspace), elements
 * never written, elements read twice, and final reads that failed or were never made. The truth is
 * counted from the fates as they were drawn; the checker sees only the history.
 */
const WORKSPACES = ['a', 'b', 'c', 'd'];

const write = fc.record({
  workspace: fc.integer({ min: 0, max: 3 }),
  outcome: fc.constantFrom('ok', 'info', 'fail'),
  fate: fc.constantFrom('present', 'absent', 'moved'),
  movedTo: fc.integer({ min: 1, max: 3 }),
  duplicated: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});

const world = fc.record({
  writes: fc.array(write, { maxLength: 60 }),
  reads: fc.array(fc.constantFrom('ok', 'ok', 'ok', 'failed', 'missing'), { minLength: 4, maxLength: 4 }),
  strays: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
});

describe('durability property', () => {
  it('counts equal the truth: acknowledged, ok, lost, recovered, unknown, unexpected, duplicated, unread; and the status follows', () => {
    fc.assert(
      fc.property(world, ({ writes, reads, strays }) => {
        const readable = (w: number) => reads[w] === 'ok';
        const finals: number[][] = WORKSPACES.map(() => []);
        const truth = { acknowledged: 0, ok: 0, lost: 0, recovered: 0, unknown: 0, unexpected: 0, duplicated: 0, unread: 0 };
        const lines: Exclude<HistoryLine, MetaLine>[] = [];
        writes.forEach((wr, element) => {
          const ws = WORKSPACES[wr.workspace]!;
          lines.push({ type: 'invoke', id: element, t: element, region: 'eu', kind: 'write', workspace: ws, cluster: 'w', element });
          lines.push({ type: wr.outcome, id: element, t: element + 1, coordinator: wr.outcome === 'ok' ? 'w-eu-1' : undefined });
          // Info and failed writes are either there or not; only an acknowledged one is seen moving.
          const fate = wr.outcome !== 'ok' && wr.fate === 'moved' ? 'absent' : wr.fate;
          if (wr.outcome === 'ok') truth.acknowledged++;
          const land = (w: number) => {
            finals[w]!.push(element);
            if (wr.duplicated && readable(w)) {
              finals[w]!.push(element);
              truth.duplicated++;
            }
          };
          if (fate === 'present') land(wr.workspace);
          if (fate === 'moved') {
            const to = (wr.workspace + wr.movedTo) % WORKSPACES.length;
            land(to);
            if (readable(to)) truth.unexpected++;
          }
          if (!readable(wr.workspace)) {
            if (wr.outcome === 'ok') truth.unread++;
            return;
          }
          if (wr.outcome === 'ok') truth[fate === 'present' ? 'ok' : 'lost']++;
          else if (wr.outcome === 'info') truth[fate === 'present' ? 'recovered' : 'unknown']++;
          else if (fate === 'present') truth.unexpected++;
        });
        strays.forEach((w, i) => {
          finals[w]!.push(100_000 + i);
          if (readable(w)) truth.unexpected++;
        });
        WORKSPACES.forEach((workspace, w) => {
          if (reads[w] === 'ok') lines.push({ type: 'final-read', t: 9000, workspace, cluster: 'w', elements: finals[w] });
          if (reads[w] === 'failed') lines.push({ type: 'final-read', t: 9000, workspace, cluster: 'w', error: 'timeout' });
        });
        const h = new HistoryWriter(metaLine());
        for (const l of lines) h.add(l);
        const v = durability()({ history: h.history, faults: [] });
        expect(v.evidence).toMatchObject(truth);
        const anomaly = truth.lost + truth.unexpected + truth.duplicated > 0;
        const status = anomaly ? 'fail' : truth.acknowledged === 0 || truth.unread > 0 ? 'unknown' : 'pass';
        expect(v.status).toBe(status);
      }),
      { numRuns: 500 },
    );
  });
});
