import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/commands/context.js';
import { runCommand } from '../../src/commands/run.js';
import { schemaCommand, validateCommand } from '../../src/commands/validate.js';
import { touchedNodes } from '../../src/faults/effects.js';
import { effectsOf } from '../../src/faults/kinds.js';
import { projectRoot } from '../../src/paths.js';
import { nodeStateOfContainer } from '../../src/runtime/watch.js';
import { loadScenario } from '../../src/scenarios/file.js';
import { type DryRun, planTimeline } from '../../src/scenarios/timeline.js';
import { planFederation } from '../../src/topology/plan.js';

/** A context that records what a command says and prints, and has no engine to give. */
function recording() {
  const said: string[] = [];
  let out = '';
  let engineAsked = 0;
  const ctx: CommandContext = {
    say: (line) => said.push(line),
    show: (line) => said.push(line),
    out: (text) => {
      out += text;
    },
    engine: () => {
      engineAsked++;
      return Promise.reject(new Error('no engine in this test'));
    },
    interrupt: () => new AbortController(),
  };
  return { ctx, said, out: () => out, engineAsked: () => engineAsked };
}

describe('commands write through their context', () => {
  it('validate prints its result to the context, says nothing else and asks for no engine', async () => {
    const r = recording();
    const file = join(projectRoot, 'topologies/two-region-federation.yaml');
    await validateCommand(r.ctx, file);
    expect(r.out()).toBe(`${file}: valid federation topology, 2 region(s), 2 cluster(s), 2 node(s)\n`);
    expect(r.said).toEqual([]);
    expect(r.engineAsked()).toBe(0);
  });

  it('validate --json: what the file holds, one JSON document, no engine', async () => {
    const r = recording();
    const file = join(projectRoot, 'topologies/two-region-federation.yaml');
    await validateCommand(r.ctx, file, { json: true });
    expect(JSON.parse(r.out())).toEqual({
      file,
      valid: true,
      type: 'topology',
      name: 'duo',
      shape: 'federation',
      regions: 2,
      clusters: 2,
      nodes: 2,
      services: 0,
      replicas: 0,
    });
    const s = recording();
    const scenario = join(projectRoot, 'scenarios/voedger-federation.yaml');
    await validateCommand(s.ctx, scenario, { json: true });
    expect(JSON.parse(s.out())).toEqual({
      file: scenario,
      valid: true,
      type: 'scenario',
      name: 'voedger-federation',
      regions: 3,
      workloadSeconds: 40,
      timedFaults: 1,
      nemesis: false,
    });
    expect(r.engineAsked() + s.engineAsked()).toBe(0);
  });

  it('schema prints one JSON document to the context', async () => {
    const r = recording();
    await schemaCommand(r.ctx, { scenario: true });
    expect(JSON.parse(r.out()).title).toBe('fedsim scenario');
  });
});

describe('fedsim run --dry-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fedsim-dry-'));
  const file = join(dir, 'nemesis.yaml');
  writeFileSync(
    file,
    [
      'name: dry',
      `topology: ${join(projectRoot, 'topologies/three-region-federation.yaml')}`,
      'workload: { duration: 40s }',
      'warmup: 3s',
      'seed: 11',
      'timeline:',
      '  - { at: 5s, fault: { kind: latency, target: us-east-1->eu-west-1, latency: 100ms, for: 4s } }',
      '  - { at: 35s, heal: true }',
      'nemesis:',
      '  start: 10s',
      '  every: 10s',
      '  for: 2s',
      '  faults:',
      '    - { kind: kill, target: all, pick: 1 }',
      '    - { kind: pause, target: all, pick: 2 }',
    ].join('\n'),
  );
  const dry = async (opts: { seed?: string; json?: boolean }) => {
    const r = recording();
    await runCommand(r.ctx, file, { dryRun: true, ...opts });
    expect(r.engineAsked()).toBe(0);
    expect(r.said).toEqual([]);
    return r.out();
  };

  it('prints the timeline for the seed, nemesis draws and picked nodes included, with no engine', async () => {
    const d = JSON.parse(await dry({ json: true })) as DryRun;
    expect(d).toMatchObject({ scenario: 'dry', seed: 11, warmupMs: 3000, durationMs: 40_000 });
    expect(d.steps.map((s) => [s.at, s.from, s.action])).toEqual([
      [5000, 'timeline', 'fault'],
      [10_000, 'nemesis', 'fault'],
      [20_000, 'nemesis', 'fault'],
      [30_000, 'nemesis', 'fault'],
      [35_000, 'timeline', 'heal'],
    ]);
    expect(d.steps[0]).toEqual({
      at: 5000,
      from: 'timeline',
      index: 0,
      action: 'fault',
      kind: 'latency',
      target: 'us-east-1->eu-west-1',
      params: { latency: 100 },
      forMs: 4000,
      nodes: [],
      directions: [['us-east-1', 'eu-west-1']],
    });
    // The draws and picks are the run's own: the planner's steps, their effects on the plan.
    const loaded = loadScenario(file);
    const plan = planFederation(loaded.topology, 'dry', 0);
    const planned = planTimeline(loaded.scenario, 11).filter((s) => s.from === 'nemesis');
    const nemesis = d.steps.filter((s) => s.from === 'nemesis');
    expect(nemesis.map((s) => s.kind)).toEqual(planned.map((s) => s.fault!.kind));
    expect(nemesis.map((s) => s.nodes)).toEqual(planned.map((s) => touchedNodes(effectsOf(plan, s.fault!, 'x'))));
    for (const s of nemesis) {
      expect(s.nodes).toHaveLength(s.kind === 'kill' ? 1 : 2);
      expect(s.forMs).toBe(2000);
    }
    // The same seed, the same timeline; --seed replays another.
    expect(JSON.parse(await dry({ json: true }))).toEqual(d);
    const other = JSON.parse(await dry({ json: true, seed: '12' })) as DryRun;
    expect(other.seed).toBe(12);
    expect(other.steps.filter((s) => s.from === 'nemesis').map((s) => [s.kind, s.nodes])).not.toEqual(
      nemesis.map((s) => [s.kind, s.nodes]),
    );
  });

  it('as lines: each step at its time from the end of the warm-up, with where it comes from', async () => {
    const lines = (await dry({})).trimEnd().split('\n');
    expect(lines[0]).toBe('dry, seed 11: 3s of warm-up, then 40s of workload; times from the end of the warm-up');
    expect(lines[1]).toBe('  +5s       latency us-east-1->eu-west-1 (latency 100) for 4s  (timeline[0])');
    expect(
      lines.slice(2, 5).every((l) => /^ {2}\+[123]0s +(kill|pause) all \[[^\]]+\] \(pick [12], seed \d+\) for 2s {2}\(nemesis\)$/.test(l)),
    ).toBe(true);
    expect(lines[5]).toBe('  +35s      heal everything  (timeline[1])');
    expect(lines[6]).toBe('  +40s      end of the workload: heal, checks, reports');
  });
});

describe("a container's state as a node's", () => {
  it('running is up, paused is paused, anything else (exited, created, gone) is down', () => {
    expect(['running', 'paused', 'exited', 'created', 'restarting', undefined].map(nodeStateOfContainer)).toEqual([
      'up',
      'paused',
      'down',
      'down',
      'down',
      'down',
    ]);
  });
});
