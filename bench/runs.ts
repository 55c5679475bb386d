/**
 * A saved run made without an engine: a three-region history of n operations written through the
 * run's own writers (history.jsonl, faults.jsonl, alerts.jsonl, report.json), with faults that
 * show in it: during each fault one region's operations fail or time out, and latency rises.
 * For the report's bench and its browser test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRun } from '../src/checkers/all.js';
import { seededRandom } from '../src/common/random.js';
import { FaultLog, type FaultRecord } from '../src/faults/log.js';
import type { AlertLine } from '../src/monitoring/alerts.js';
import { checkOptions, expectations } from '../src/report/expectations.js';
import { buildReport } from '../src/report/report.js';
import { ScenarioSchema } from '../src/scenarios/schema.js';
import { HistoryWriter, type MetaLine } from '../src/workload/history.js';
import { WorkloadSchema } from '../src/workload/spec.js';

export const REGIONS = ['us-east-1', 'eu-west-1', 'ap-south-1'];
const HOME: Record<string, [string, string]> = {
  'us-east-1': ['main', 'main-us-east-1-1'],
  'eu-west-1': ['w-eu', 'w-eu-1'],
  'ap-south-1': ['w-ap', 'w-ap-1'],
};
const meta: MetaLine = {
  type: 'meta',
  federation: 'synthetic',
  shape: 'federation',
  regions: REGIONS,
  clusters: {
    main: { regions: ['us-east-1'], role: 'main', nodes: { 'main-us-east-1-1': 'us-east-1' } },
    'w-eu': { regions: ['eu-west-1'], role: 'worker', nodes: { 'w-eu-1': 'eu-west-1' } },
    'w-ap': { regions: ['ap-south-1'], role: 'worker', nodes: { 'w-ap-1': 'ap-south-1' } },
  },
  workload: WorkloadSchema.parse({}),
  startedAt: new Date(0).toISOString(),
};

/** The faults of a synthetic run lasting `ms`: a kill of eu's node at 30-45%, a partition us|ap at 60-70%. */
export function syntheticFaults(ms: number): FaultRecord[] {
  const at = (f: number) => ({ t: Math.round(ms * f), wall: new Date(Math.round(ms * f)).toISOString() });
  return [
    {
      id: 'f-kill',
      kind: 'kill',
      target: 'w-eu-1',
      params: {},
      directions: [],
      nodes: ['w-eu-1'],
      asked: at(0.299),
      effect: at(0.3),
      undone: at(0.45),
      step: 0,
    },
    {
      id: 'f-part',
      kind: 'partition',
      target: 'us-east-1|ap-south-1',
      params: {},
      directions: [
        ['us-east-1', 'ap-south-1'],
        ['ap-south-1', 'us-east-1'],
      ],
      nodes: [],
      asked: at(0.599),
      effect: at(0.6),
      undone: at(0.7),
      step: 1,
    },
  ];
}

/**
 * Writes a run folder of n operations (spread at `perSecond`, a third per region) into dir; returns
 * the faults. Operations of a client in a region a fault cuts (eu during the kill, us and ap
 * towards each other during the partition) fail, a fifth of them with an unknown outcome.
 */
export async function writeSyntheticRun(dir: string, n: number, perSecond = 300): Promise<FaultRecord[]> {
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(7);
  const ms = (n / perSecond) * 1000;
  const faults = syntheticFaults(ms);
  const [kill, part] = faults as [FaultRecord, FaultRecord];
  const w = new HistoryWriter(meta, join(dir, 'history.jsonl'));
  w.add({ type: 'run', t: 0 });
  for (let id = 0; id < n; id++) {
    const t = (id / n) * ms;
    const region = REGIONS[id % 3]!;
    const serving = random() < 0.8 ? region : REGIONS[Math.floor(random() * 3)]!;
    const [cluster, node] = HOME[serving]!;
    const cut =
      (t >= kill.effect!.t && t < kill.undone!.t && serving === 'eu-west-1') ||
      (t >= part.effect!.t && t < part.undone!.t && region !== serving && [region, serving].every((r) => r !== 'eu-west-1'));
    // Log-normal around 4 ms in the region, 80 ms across; a cut operation waits for its timeout or fails fast.
    const base = region === serving ? 4 : 80;
    const latency = cut
      ? random() < 0.2
        ? 2000 + random() * 50
        : 0.5 + random() * 3
      : base * Math.exp((random() - 0.5) * 1.6 + (random() < 0.01 ? 2 : 0));
    const write = random() < 0.6;
    w.add({
      type: 'invoke',
      id,
      t,
      region,
      kind: write ? 'write' : 'read',
      workspace: `${serving}-w${id % 10}`,
      cluster,
      element: write ? id : undefined,
    });
    const outcome = cut ? (latency > 1000 ? 'info' : 'fail') : 'ok';
    w.add({
      type: outcome,
      id,
      t: t + latency,
      coordinator: outcome === 'ok' ? node : undefined,
      error: cut ? 'NoHostAvailableError' : undefined,
    });
  }
  w.add({ type: 'end', t: ms });
  await w.close();
  const log = new FaultLog(join(dir, 'faults.jsonl'));
  for (const f of faults) log.write(f);
  const alerts: AlertLine[] = [
    {
      type: 'alert',
      t: kill.effect!.t + 3000,
      wall: '',
      status: 'firing',
      alert: 'FedsimNodeDown',
      fingerprint: 'a1',
      labels: {},
      startsAt: '',
    },
    {
      type: 'alert',
      t: kill.undone!.t + 4000,
      wall: '',
      status: 'resolved',
      alert: 'FedsimNodeDown',
      fingerprint: 'a1',
      labels: {},
      startsAt: '',
    },
  ];
  writeFileSync(join(dir, 'alerts.jsonl'), alerts.map((a) => `${JSON.stringify(a)}\n`).join(''));
  const scenario = ScenarioSchema.parse({
    name: 'synthetic',
    topology: 'none.yaml',
    expect: { availability: { untouched: 0 }, steady: { window: '2s', maxErrorRate: 0.01 } },
  });
  writeFileSync(join(dir, 'scenario.json'), `${JSON.stringify(scenario, null, 2)}\n`);
  const verdicts = checkRun({ history: w.history, faults, alerts }, checkOptions(scenario.expect));
  const expected = expectations(scenario.expect, verdicts);
  const report = buildReport(scenario, 7, 'synthetic', w.history, faults, verdicts, expected, {
    startedAt: new Date(0),
    seconds: { total: ms / 1000, up: 0, warmup: 0, run: ms / 1000, heal: 0, check: 0 },
  });
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return faults;
}
