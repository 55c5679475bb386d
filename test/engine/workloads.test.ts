import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latencyTable } from '../../src/checkers/latency.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { federationNames, removeFederation } from '../../src/runtime/removal.js';
import { loadHistory } from '../../src/workload/history.js';
import { expectSameVerdictAgain, fedsimRun, root } from './fedsim.js';
import { duo } from './topologies.js';

const dir = mkdtempSync(join(tmpdir(), 'fedsim-workloads-'));
const doc = readFileSync(join(root, 'docs/OPERATIONS.md'), 'utf8');
writeFileSync(join(dir, 'client.py'), doc.match(/```python\n([\s\S]*?)```/)![1]!);

afterAll(async () => {
  await removeFederation(await connectEngine(), 'own-workloads');
});

/** One federation, two runs: the second reuses the first's federation (reset in seconds) and removes it. */
const scenario = (command: unknown, after: string) => {
  const file = join(dir, `own-${after}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: 'own-workloads',
      topology: duo,
      workload: { rate: 5, workspaces: 2, duration: '10s' },
      warmup: '3s',
      workloads: [
        { kind: 'command', name: 'cart', region: 'eu-west-1', ...(command as object) },
        {
          kind: 'cql',
          name: 'orders',
          regions: ['us-east-1', 'eu-west-1'],
          cluster: 'worker-eu',
          setup: ['CREATE TABLE IF NOT EXISTS app.orders (ws text, id uuid, n int, PRIMARY KEY (ws, id))'],
          statements: [
            { f: 'order', cql: 'INSERT INTO app.orders (ws, id, n) VALUES ({{workspace}}, {{uuid}}, {{int}})', weight: 3 },
            { f: 'list', cql: 'SELECT n FROM app.orders WHERE ws = {{workspace}}' },
          ],
          rate: 10,
        },
      ],
      expect: { availability: { maxErrorRate: 0.05 }, steady: { window: '2s' } },
      after,
    }),
  );
  return file;
};

describe('workloads of the user’s own, in the same history as fedsim’s', () => {
  it('a command workload (the Python client of docs/OPERATIONS.md) and a cql workload are recorded, judged, and re-checked alike', async () => {
    const out = join(dir, 'run1');
    const r = await fedsimRun([scenario({ run: ['python3', 'client.py'] }, 'reuse'), '--out', out]);
    expect(r.code, `${r.stdout}\n${r.stderr.slice(-3000)}`).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.expectations.map((e: { name: string }) => e.name)).toContain('command cart');
    const h = await loadHistory(join(out, 'history.jsonl'));
    const by = (w?: string) => h.ops.filter((o) => o.workload === w);
    // fedsim's own, the program's and the statements' operations, one id sequence.
    expect(by(undefined).length).toBeGreaterThan(20);
    expect(by('cart').length).toBeGreaterThan(200);
    expect(by('orders').length).toBeGreaterThan(100);
    expect(new Set(h.ops.map((o) => o.id)).size).toBe(h.ops.length);
    expect(h.exits).toMatchObject([{ workload: 'cart', code: 0, invalid: 0 }]);
    // The program's set was read back whole, and durability judged its adds with fedsim's writes.
    expect(h.finalReads.some((f) => f.workspace === 'demo')).toBe(true);
    const durability = report.verdicts.find((v: { checker: string }) => v.checker === 'durability');
    expect(durability.status).toBe('pass');
    expect(durability.evidence.ok).toBeGreaterThanOrEqual(by('cart').filter((o) => o.kind === 'write').length);
    // The statements went through fedsim's region clients: from us-east-1 they paid 100 + 40 ms.
    const orders = latencyTable({ ...h, ops: by('orders') });
    const remote = orders.find((p) => p.pair === 'us-east-1->eu-west-1')!;
    const local = orders.find((p) => p.pair === 'eu-west-1->eu-west-1')!;
    expect(remote.p50).toBeGreaterThanOrEqual(140);
    expect(local.p50).toBeLessThan(40);
    await expectSameVerdictAgain(out, report);
  });

  it("a command workload is a client of its region: a default driver in eu-west-1 pays 40 + 100 ms to the Main Cluster's node in us-east-1", async () => {
    const out = join(dir, 'remote');
    const program = join(root, 'test/fixtures/workloads/remote-version.mjs');
    const r = await fedsimRun([scenario({ run: [process.execPath, program], cluster: 'main' }, 'reuse'), '--out', out]);
    expect(r.code, `${r.stdout}\n${r.stderr.slice(-3000)}`).toBe(0);
    const h = await loadHistory(join(out, 'history.jsonl'));
    const version = h.ops.filter((o) => o.workload === 'cart');
    expect(version.length).toBeGreaterThan(10);
    expect(version.every((o) => o.outcome === 'ok')).toBe(true);
    // Entered into eu-west-1's namespace, its connection to the node's own address meets the DNAT
    // rule to eu-west-1's gateway: eu-west-1 -> us-east-1 is 40 ms, back 100 ms (a host process
    // would reach the node directly in a few ms).
    const [pair] = latencyTable({ ...h, ops: version });
    expect(pair).toMatchObject({ pair: 'eu-west-1->us-east-1' });
    expect(pair!.p50).toBeGreaterThanOrEqual(140);
    expect(pair!.p50).toBeLessThan(140 + 40);
  });

  it('a command that exits non-zero after a line that is not an operation: one sentence with the line number, the rest kept, exit 1', async () => {
    const out = join(dir, 'run2');
    const bad = `echo '{"type":"invoke","process":0,"f":"checkout"}'; echo '{"type":"ok","process":0}'; echo oops; echo 'table missing' >&2; exit 3`;
    const r = await fedsimRun([scenario({ run: bad }, 'down'), '--out', out]);
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const cart = report.expectations.find((e: { name: string }) => e.name === 'command cart');
    expect(cart).toMatchObject({
      holds: false,
      summary: expect.stringMatching(
        /^command cart \(echo .*\) exited with 3, expected 0; its last stderr line: table missing; wrote 1 stdout line\(s\) that are not operations, skipped with the rest kept \(first: line 3: not a JSON object\)$/,
      ),
    });
    const h = await loadHistory(join(out, 'history.jsonl'));
    expect(h.ops.filter((o) => o.workload === 'cart')).toMatchObject([{ kind: 'checkout', outcome: 'ok' }]);
    await expectSameVerdictAgain(out, report);
    expect(await federationNames(await connectEngine())).not.toContain('own-workloads');
  });
});
