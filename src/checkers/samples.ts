import { type SamplesOptions, SamplesOptionsSchema } from '../scenarios/expect.js';
import type { History } from '../workload/history.js';
import { type Checker, firstOf, unknown, type Verdict } from './verdict.js';

/**
 * Samples where they belong, from a program's set operations (examples/victoria-metrics/samples.py):
 * `add`s of key `LAYOUT/REGION` (a sample pushed to the region's agent; ok = the agent took it) and
 * final reads of what the stores hold:
 * - `LAYOUT/REGION`: the layout's home store. Every acknowledged sample is there (none lost, so no
 *   gap), and nothing that was never pushed.
 * - `LAYOUT/REGION@OTHER` (layouts in `residency`): another region's store holds none of them.
 * - `LAYOUT/REGION@global` (layouts in `global`): the global query layer returns every one.
 * Unknown when a read it needs failed or was never made, or nothing was acknowledged.
 */
export { type SamplesOptions, SamplesOptionsSchema };

export interface SeriesRow {
  key: string;
  sent: number;
  acked: number;
  found?: number;
  /** Acknowledged but not in its store. */
  missing: number;
  /** Missing and judged lost (all of them, or those not pushed before a kill with lossOnKill). */
  lost: number;
  /** Missing, but pushed before a kill of its agent or home store (allowed with lossOnKill). */
  lostInKill: number;
  unexpected: number;
  foreign?: number;
  global?: number;
}

export function samples(opts: SamplesOptions): Checker {
  return (run): Verdict => {
    const h: History = run.history;
    const acked = new Map<string, Set<number>>();
    /** key -> element -> (its agent, when it was pushed) */
    const pushed = new Map<string, Map<number, { agent: string; t: number }>>();
    const maybe = new Map<string, Set<number>>();
    const sent = new Map<string, number>();
    for (const op of h.ops) {
      if (op.kind !== 'write' || op.element === undefined || !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(op.workspace) || !op.workload) continue;
      sent.set(op.workspace, (sent.get(op.workspace) ?? 0) + 1);
      if (!pushed.has(op.workspace)) pushed.set(op.workspace, new Map());
      pushed.get(op.workspace)!.set(op.element, { agent: op.cluster, t: op.invoke });
      const into = op.outcome === 'ok' ? acked : op.outcome === 'info' ? maybe : undefined;
      if (!into) continue;
      if (!into.has(op.workspace)) into.set(op.workspace, new Set());
      into.get(op.workspace)!.add(op.element);
    }
    if (!acked.size) return unknown('samples', 'no sample was acknowledged by an agent');
    const reads = new Map(h.finalReads.map((r) => [r.workspace, r]));
    const rows: SeriesRow[] = [];
    const problems: string[] = [];
    const blind: string[] = [];
    for (const [key, ok] of [...acked.entries()].sort()) {
      const layout = key.split('/')[0]!;
      const row: SeriesRow = { key, sent: sent.get(key) ?? 0, acked: ok.size, missing: 0, lost: 0, lostInKill: 0, unexpected: 0 };
      const home = reads.get(key);
      /** Missing from the home store but allowed (lossOnKill): the global layer cannot return them either. */
      let excused = new Set<number>();
      if (!home?.elements) blind.push(`${key} (home store not read)`);
      else {
        const found = new Set(home.elements);
        row.found = found.size;
        // A kill (SIGKILL) of the agent that took a sample, or of its home store, after it was pushed.
        const kills = run.faults.filter((f) => (f.kind === 'kill' || f.kind === 'outage') && f.effect);
        const killed = (e: number) => {
          const p = pushed.get(key)?.get(e);
          return !!p && kills.some((f) => p.t <= f.effect!.t && (f.nodes.includes(p.agent) || f.nodes.includes(home.cluster)));
        };
        const missing = [...ok].filter((e) => !found.has(e)).sort((a, b) => a - b);
        const inKill = missing.filter(killed);
        row.missing = missing.length;
        row.lostInKill = inKill.length;
        const lost = opts.lossOnKill ? missing.filter((e) => !killed(e)) : missing;
        if (opts.lossOnKill) excused = new Set(inKill);
        const unexpected = [...found].filter((e) => !ok.has(e) && !maybe.get(key)?.has(e));
        row.lost = lost.length;
        row.unexpected = unexpected.length;
        if (lost.length)
          problems.push(`${key}: ${lost.length} acknowledged sample(s) missing from its store (first ${firstOf(lost, 5).join(', ')})`);
        if (unexpected.length) problems.push(`${key}: ${unexpected.length} sample(s) never pushed are there`);
      }
      if (opts.residency.includes(layout)) {
        const foreign = [...reads.values()].filter((r) => r.workspace.startsWith(`${key}@`) && !r.workspace.endsWith('@global'));
        if (!foreign.length || foreign.some((r) => !r.elements)) blind.push(`${key} (other regions' stores not all read)`);
        row.foreign = foreign.reduce((a, r) => a + (r.elements?.length ?? 0), 0);
        for (const r of foreign)
          if (r.elements?.length) problems.push(`${key}: ${r.elements.length} sample(s) found outside its region (${r.workspace})`);
      }
      if (opts.global.includes(layout)) {
        const g = reads.get(`${key}@global`);
        if (!g?.elements) blind.push(`${key} (global layer not read)`);
        else {
          const seen = new Set(g.elements);
          row.global = seen.size;
          const missing = [...ok].filter((e) => !seen.has(e) && !excused.has(e)).length;
          if (missing) problems.push(`${key}: the global query layer misses ${missing} acknowledged sample(s)`);
        }
      }
      rows.push(row);
    }
    const evidence = { rows };
    if (problems.length) return { checker: 'samples', status: 'fail', summary: problems.slice(0, 4).join('; '), evidence };
    if (blind.length) return unknown('samples', `could not see: ${blind.join(', ')}`, evidence);
    const total = rows.reduce((a, r) => a + r.acked, 0);
    const inKill = rows.filter((r) => r.lostInKill);
    const killed = inKill.reduce((a, r) => a + r.lostInKill, 0);
    const found = killed
      ? `${total - killed} of ${total} acknowledged samples of ${rows.length} series found in their stores; the other ${killed} were pushed before a kill of their agent or store (${inKill.map((r) => `${r.key} ${r.lostInKill}`).join(', ')})`
      : `all ${total} acknowledged samples of ${rows.length} series found in their stores`;
    return {
      checker: 'samples',
      status: 'pass',
      summary: `${found}${opts.residency.length ? `; ${opts.residency.join(', ')} samples only in their own region` : ''}${opts.global.length ? '; the global layer returns all' : ''}`,
      evidence,
    };
  };
}
