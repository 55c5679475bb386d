import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { latencyTable } from '../../src/checkers/latency.js';
import { loadFaultLog } from '../../src/faults/log.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { federationNames } from '../../src/runtime/removal.js';
import { loadHistory } from '../../src/workload/history.js';
import { expectSameVerdictAgain, fedsimRun, root } from './fedsim.js';

const out = mkdtempSync(join(tmpdir(), 'fedsim-example-'));

describe('the example users copy: examples/workspace-api in scenarios/workspace-api.yaml', () => {
  it('while the Main Cluster is down its users can read the workspaces the service knows, creating one answers 503, and all works after heal', async () => {
    const r = await fedsimRun([join(root, 'scenarios/workspace-api.yaml'), '--out', out]);
    expect(r.code, `${r.stdout}\n${r.stderr.slice(-4000)}`).toBe(0);
    const h = await loadHistory(join(out, 'history.jsonl'));
    const [kill] = loadFaultLog(join(out, 'faults.jsonl'));
    const probes = (name: string) => h.ops.filter((o) => o.workload === name && o.invoke >= (h.runStart ?? 0));
    const during = (name: string) => probes(name).filter((o) => o.invoke >= kill!.effect!.t + 500 && o.invoke < kill!.undone!.t);
    // Served by the replica in eu-west-1, through the service's own default driver sessions.
    expect(new Set(probes('read').map((o) => o.cluster))).toEqual(new Set(['api-eu-west-1-1']));
    expect(during('read').length).toBeGreaterThan(20);
    expect(during('read').filter((o) => o.outcome !== 'ok')).toEqual([]);
    expect(during('create').length).toBeGreaterThan(10);
    expect(during('create').every((o) => o.outcome === 'fail' && o.error === 'HTTP 503')).toBe(true);
    const afterHeal = probes('create').filter((o) => o.invoke >= kill!.undone!.t);
    expect(afterHeal.some((o) => o.outcome === 'ok')).toBe(true);
    // A probe from a region to another region's replica pays the link both ways (40 ms each), one inside a region nothing.
    const p50 = (name: string) => latencyTable({ ...h, ops: probes(name) })[0]!;
    expect(p50('remote-health')).toMatchObject({ pair: 'us-east-1->eu-west-1' });
    expect(p50('remote-health').p50).toBeGreaterThanOrEqual(80);
    expect(p50('remote-health').p50).toBeLessThan(125);
    expect(p50('read')).toMatchObject({ pair: 'eu-west-1->eu-west-1' });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    await expectSameVerdictAgain(out, report);
    expect(await federationNames(await connectEngine())).not.toContain('workspace-api');
  });
});
