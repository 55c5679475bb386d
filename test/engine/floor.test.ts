import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/runtime/engine.js';
import { removeFederation } from '../../src/runtime/removal.js';
import { expectSameVerdictAgain, fedsim } from './fedsim.js';

/**
 * The noise floor against the real engine: a run beside a CPU burner is reported as saturated,
 * not as a failure of the database; and a latency fault no threshold can absorb still fails, busy
 * host or not. The floor must never hide a real failure.
 */
const out = mkdtempSync(join(tmpdir(), 'fedsim-floor-'));
const burners: ChildProcess[] = [];

afterAll(async () => {
  for (const b of burners) b.kill('SIGKILL');
  const engine = await connectEngine();
  for (const name of ['floor-busy', 'floor-breach']) await removeFederation(engine, name);
});

function scenario(name: string, doc: Record<string, unknown>): string {
  const file = join(out, `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, ...doc }));
  return file;
}

const pair = {
  shape: 'federation',
  regions: ['us-east-1', 'eu-west-1'],
  links: { default: { latency: '20ms' } },
  clusters: [
    { name: 'main', role: 'main', nodes: { 'us-east-1': 1 } },
    { name: 'worker-eu', role: 'worker', nodes: { 'eu-west-1': 1 } },
  ],
  keyspaces: [{ name: 'app', replication: 1 }],
};

describe('the noise floor', () => {
  it('a run beside a CPU burner is reported as saturated (unknown), not as failed', async () => {
    const file = scenario('floor-busy', {
      topology: { ...pair, regions: ['us-east-1'], clusters: [pair.clusters[0]] },
      workload: { workspaces: 1, rate: 10, duration: '10s' },
      warmup: '3s',
      // No CQL request through a gateway takes under 1 ms: this fails on any host, and on a saturated one the host explains it.
      expect: { steady: { window: '2s', p99: '1ms' } },
    });
    const dir = join(out, 'busy');
    const run = fedsim(['run', '--no-ui', file, '--out', dir]);
    await run.when('phase: warm-up');
    // Two busy loops per core, from the warm-up on: the host is saturated whatever else runs on it.
    for (let i = 0; i < cpus().length * 2; i++) burners.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    const r = await run.done;
    for (const b of burners.splice(0)) b.kill('SIGKILL');
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.saturated, JSON.stringify(report.floor)).toContainEqual(expect.stringMatching(/^host CPU \d+% busy/));
    const byName = Object.fromEntries(report.expectations.map((e: { name: string }) => [e.name, e]));
    for (const name of ['steady-state before', 'steady-state after'])
      expect(byName[name], JSON.stringify(byName[name])).toMatchObject({
        holds: false,
        status: 'unknown',
        summary: expect.stringMatching(/^the host was saturated \(host CPU/),
      });
    // What the host cannot move is judged as ever.
    expect(byName.durability).toMatchObject({ holds: true, status: 'pass' });
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toMatch(/Noise floor .*\*\*Beyond its bounds\*\*: host CPU/);
    await expectSameVerdictAgain(dir, report);
  }, 600_000);

  it('a latency fault the threshold cannot absorb still fails, with the floor beside it', async () => {
    const file = scenario('floor-breach', {
      topology: pair,
      workload: { workspaces: 2, rate: 10, duration: '10s', locality: 0.5 },
      warmup: '3s',
      // +1 s each way on the only link: every cross-region request takes over 2 s against a 300 ms bound.
      timeline: [{ at: 0, fault: { kind: 'latency', target: 'us-east-1<->eu-west-1', latency: '1000ms' } }],
      expect: { latency: [{ pair: 'remote', p99: '300ms' }] },
    });
    const dir = join(out, 'breach');
    const r = await fedsim(['run', '--no-ui', file, '--out', dir]).done;
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const latency = report.expectations.find((e: { name: string }) => e.name === 'latency');
    expect(latency, JSON.stringify(report.floor)).toMatchObject({ holds: false, status: 'fail' });
    expect(latency.summary).toMatch(
      /threshold\(s\) exceeded: .*p99 .* > 300 ms .*\((on a quiet host|the host was saturated, .* but the breach of \d+ ms is more than)/,
    );
    expect(report.floor.canary.length).toBe(2);
    // The link canaries measured the WAN as configured (20 ms each way) in the warm-up, and not the
    // fault's +2 s round trip that followed: samples are taken only while no fault is in effect.
    expect(report.floor.links.map((l: { from: string; to: string }) => `${l.from}->${l.to}`).sort()).toEqual([
      'eu-west-1->us-east-1',
      'us-east-1->eu-west-1',
    ]);
    for (const l of report.floor.links) {
      expect(l.configuredMs).toBe(40);
      expect(l.count, JSON.stringify(l)).toBeGreaterThan(0);
      expect(l.p50, JSON.stringify(l)).toBeGreaterThanOrEqual(40);
      expect(l.p99, JSON.stringify(l)).toBeLessThan(1000);
    }
    await expectSameVerdictAgain(dir, report);
  }, 600_000);
});
