import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEngine, type Engine } from '../../src/runtime/engine.js';
import { LABEL, labelFilter } from '../../src/runtime/labels.js';
import { removeFederation } from '../../src/runtime/removal.js';
import { loadHistory } from '../../src/workload/history.js';
import { fedsim, root } from './fedsim.js';

/**
 * What a process leaves behind, by how it ends: `fedsim up` leaves its federation on purpose; a run
 * killed with SIGKILL leaves nothing (its reaper removes it); a run interrupted still writes its run
 * folder, with the nodes' logs. And the nodes as ccm users reach them: logs, cqlsh, nodetool.
 * One federation (the stretched pair, named as the scenario) serves the first three tests.
 */
const NAME = 'reaped';
const scenario = join(root, 'test/fixtures/reaper-run.yaml');
const pair = join(root, 'topologies/stretched-pair.yaml');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leftovers(engine: Engine): Promise<string[]> {
  const [c, n, v] = await Promise.all([
    engine.containers(labelFilter(NAME)),
    engine.networks(labelFilter(NAME)),
    engine.volumes(labelFilter(NAME)),
  ]);
  return [...c.map((x) => x.name), ...n.map((x) => x.name), ...v.map((x) => x.name)];
}

afterAll(async () => {
  await removeFederation(await connectEngine(), NAME);
});

describe('a federation left on purpose, and its nodes as ccm users reach them', () => {
  it('`fedsim up` leaves its federation running after it exits, with no reaper', async () => {
    const engine = await connectEngine();
    const r = await fedsim(['up', pair, '--name', NAME]).done;
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const before = (await engine.containers(labelFilter(NAME), { running: true })).map((c) => c.name).sort();
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.filter((n) => n.endsWith('-reaper'))).toEqual([]);
    // Longer than a reaper takes to act (it reacts within a second of its owner's end).
    await sleep(5000);
    expect((await engine.containers(labelFilter(NAME), { running: true })).map((c) => c.name).sort()).toEqual(before);
  }, 300_000);

  it('logs, cqlsh (by node and by region) and nodetool on a node; an unknown node is one sentence, exit 2', async () => {
    const logs = await fedsim(['logs', 'geo-site-a-1']).done;
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/Starting listening for CQL clients/);
    const gw = await fedsim(['logs', 'gw-site-b', '--tail', '3']).done;
    expect(gw.code, gw.stderr).toBe(0);
    expect(gw.stdout.trim().split('\n').length).toBeLessThanOrEqual(3);

    const byNode = await fedsim(['cqlsh', 'geo-site-a-1', '-e', 'SELECT data_center FROM system.local']).done;
    expect(byNode.code, byNode.stderr).toBe(0);
    expect(byNode.stdout).toMatch(/^\s*site-a\s*$/m);
    const byRegion = await fedsim(['cqlsh', 'site-b', '-e', 'SELECT data_center FROM system.local']).done;
    expect(byRegion.code, byRegion.stderr).toBe(0);
    expect(byRegion.stdout).toMatch(/^\s*site-b\s*$/m);
    // cqlsh's own failure is passed on.
    const bad = await fedsim(['cqlsh', 'site-b', '-e', 'SELECT nothing FROM nowhere.none']).done;
    expect(bad.code).not.toBe(0);

    const status = await fedsim(['nodetool', 'geo-site-b-1', 'status']).done;
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Datacenter: site-a/);
    expect(status.stdout).toMatch(/Datacenter: site-b/);
    expect(status.stdout.match(/^UN /gm)).toHaveLength(2);

    for (const [args, sentence] of [
      [['logs', 'nope'], /^fedsim: No node or container "nope" in federation reaped; it has .*geo-site-a-1.*\.$/],
      [['logs', 'nope', '--follow'], /^fedsim: No node or container "nope" in federation reaped; it has .*geo-site-a-1.*\.$/],
      [
        ['cqlsh', 'nope'],
        /^fedsim: No node or region "nope" in federation reaped; its nodes are geo-site-a-1, geo-site-b-1 and its regions site-a, site-b\.$/,
      ],
      [['nodetool', 'site-a', 'status'], /^fedsim: No node "site-a" in federation reaped; its nodes are geo-site-a-1, geo-site-b-1\.$/],
    ] as const) {
      const r = await fedsim([...args]).done;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toMatch(sentence);
    }
  }, 120_000);

  it('logs --follow shows what was logged, then each new line, until Ctrl-C (exit 0, no stack trace)', async () => {
    const follow = fedsim(['logs', 'geo-site-a-1', '--follow']);
    let stdout = '';
    follow.child.stdout!.on('data', (d) => {
      stdout += d;
    });
    // Until stdout matches, or a bounded wait (then the expectation below says what it held).
    const seen = async (re: RegExp) => {
      for (const t0 = Date.now(); !re.test(stdout) && Date.now() - t0 < 60_000; ) await sleep(200);
      expect(stdout).toMatch(re);
    };
    await seen(/Starting listening for CQL clients/);
    // A keyspace named now, so its line in the log can only come from after the follow started.
    const keyspace = `follow_${Date.now()}`;
    const ddl = await fedsim([
      'cqlsh',
      'geo-site-a-1',
      '-e',
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    ]).done;
    expect(ddl.code, ddl.stderr).toBe(0);
    await seen(new RegExp(`^.*${keyspace}.*$`, 'm'));
    follow.child.kill('SIGINT');
    const r = await follow.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.indexOf('Starting listening for CQL clients')).toBeLessThan(r.stdout.indexOf(keyspace));
  }, 120_000);

  it('a run interrupted midway still writes its run folder: how it ended, what it recorded, each container log', async () => {
    const engine = await connectEngine();
    const out = mkdtempSync(join(tmpdir(), 'fedsim-interrupted-'));
    // The run reuses the federation up above (same name, same topology), and removes it when stopped.
    const p = fedsim(['run', scenario, '--no-ui', '--out', out]);
    await p.when('phase: running');
    // Followed until the run removes the federation: then the follow ends by itself, exit 0.
    const follow = fedsim(['logs', 'gw-site-a', '--follow']);
    await p.when(' in effect after ');
    await sleep(2000);
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, r.stderr.slice(-2000)).toBe(130);
    const followed = await Promise.race([follow.done, sleep(30_000).then(() => undefined)]);
    if (!followed) follow.child.kill('SIGKILL');
    expect(followed, 'logs --follow still running 30 s after its container was removed').toBeDefined();
    expect(followed!.code, followed!.stderr).toBe(0);
    expect(followed!.stdout.length).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect([report.ended, report.error, report.passed]).toEqual(['interrupted', 'interrupted by SIGTERM', false]);
    const history = await loadHistory(join(out, 'history.jsonl'));
    expect(history.ops.length).toBeGreaterThan(0);
    expect(report.operations.total).toBe(history.ops.length);
    expect(report.faults.map((f: { kind: string }) => f.kind)).toEqual(['latency']);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(out, 'junit.xml'), 'utf8'));
    expect(junit.testsuites.testsuite.testcase.failure['@_message']).toBe('the run was interrupted: interrupted by SIGTERM');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/^# reaped: FAIL \(interrupted\)/);
    for (const log of ['geo-site-a-1', 'geo-site-b-1', 'gw-site-a', 'gw-site-b']) {
      const file = join(out, 'logs', `${log}.log`);
      expect(existsSync(file), file).toBe(true);
      expect(statSync(file).size, file).toBeGreaterThan(0);
    }
    expect(readFileSync(join(out, 'logs', 'geo-site-a-1.log'), 'utf8')).toMatch(/Starting listening for CQL clients/);
    expect(await leftovers(engine)).toEqual([]);
  }, 240_000);
});

describe('the reaper', () => {
  it('a run killed with SIGKILL during bring-up leaves nothing: its reaper removes the federation, then itself', async () => {
    const engine = await connectEngine();
    const p = fedsim(['run', scenario, '--no-ui', '--out', mkdtempSync(join(tmpdir(), 'fedsim-killed-'))]);
    // Nodes starting: the federation's networks, gateways and nodes exist, the reaper watching.
    await p.when('started 2 node(s)');
    expect((await engine.containers({ label: [`${LABEL.federation}=${NAME}`, `${LABEL.role}=reaper`] })).length).toBe(1);
    p.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await p.done).code).toBe(null);
    let left = await leftovers(engine);
    // Bounded: it reacts within a second; the engine's removals on a busy machine take the rest.
    while (left.length && Date.now() - killedAt < 60_000) {
      await sleep(500);
      left = await leftovers(engine);
    }
    console.log(`reaper: everything of ${NAME} gone ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL`);
    expect(left).toEqual([]);
  }, 240_000);
});
