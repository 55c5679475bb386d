import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NoiseFloor } from '../../src/checkers/floor.js';
import type { FaultRecord } from '../../src/faults/log.js';
import type { RunEvent } from '../../src/scenarios/events.js';
import { TrafficSampler } from '../../src/scenarios/traffic.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';
import { Dashboard, dashboardWanted, ViewStore } from '../../src/ui/dashboard.js';
import { plainLines } from '../../src/ui/plain.js';
import { HistoryWriter } from '../../src/workload/history.js';
import { metaLine } from './histories.js';

const plan = planFederation(
  parseTopology({
    shape: 'federation',
    regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
    links: { default: { latency: '80ms' } },
    clusters: [
      { name: 'main', role: 'main', nodes: { 'us-east-1': 1 } },
      { name: 'worker-eu', role: 'worker', nodes: { 'eu-west-1': 3 } },
      { name: 'worker-ap', role: 'worker', nodes: { 'ap-southeast-1': 1 } },
    ],
    keyspaces: [{ name: 'app', replication: 1 }],
  }),
  'panels',
  0,
);
const allUp = Object.fromEntries(plan.nodes.map((n) => [n.name, 'up' as const]));
const eu2 = plan.nodes.find((n) => n.region === 'eu-west-1' && n.name.endsWith('-2'))!.name;

const ESC = String.fromCharCode(27);
const plainText = (frame = '') => frame.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '');
/** The store's redraws, run by hand: no test waits out the throttle. */
const due: { task: () => void; ms: number }[] = [];
const scheduler = (task: () => void, ms: number) => {
  due.push({ task, ms });
};
/** Runs the redraws due, then lets React and ink commit the frame (one turn of the event loop). */
async function settle(): Promise<void> {
  for (const { task } of due.splice(0)) task();
  await new Promise((r) => setImmediate(r));
}

function mount(events: RunEvent[] = []) {
  const store = new ViewStore(scheduler);
  const calls = { quit: 0, heal: 0 };
  const ui = render(<Dashboard store={store} onQuit={() => calls.quit++} onHeal={() => calls.heal++} />);
  const now = Date.now();
  for (const e of [
    { type: 'start', scenario: 'panels', seed: 7, at: now, dir: 'runs/x' } as const,
    { type: 'federation', plan } as const,
    { type: 'nodes', states: allUp } as const,
    ...events,
  ])
    store.emit(e);
  return { store, ui, calls, frame: () => plainText(ui.lastFrame()) };
}

const fault = (over: Partial<FaultRecord> = {}): FaultRecord => ({
  id: 'f1',
  kind: 'latency',
  target: 'eu-west-1->us-east-1',
  params: { latency: 200 },
  forMs: 30_000,
  directions: [['eu-west-1', 'us-east-1']],
  nodes: [],
  asked: { t: 0, wall: new Date().toISOString() },
  effect: { t: 5, wall: new Date().toISOString() },
  ...over,
});

const mounted: { ui: { unmount: () => void } }[] = [];
afterEach(() => {
  for (const m of mounted.splice(0)) m.ui.unmount();
});
const open = (events?: RunEvent[]) => {
  const m = mount(events);
  mounted.push(m);
  return m;
};

describe('the view store', () => {
  it('redraws at most every 250 ms: a burst of events is one redraw, with the latest state', () => {
    const tasks: { task: () => void; ms: number }[] = [];
    const store = new ViewStore((task, ms) => tasks.push({ task, ms }));
    let redraws = 0;
    store.subscribe(() => redraws++);
    for (let i = 0; i < 100; i++) store.emit({ type: 'line', line: `line ${i}` });
    expect(tasks.map((t) => t.ms)).toEqual([250]);
    expect(redraws).toBe(0);
    tasks.shift()!.task();
    expect(redraws).toBe(1);
    expect(store.get().lines.at(-1)).toBe('line 99');
    // The next event after a redraw asks for the next one.
    store.emit({ type: 'line', line: 'after' });
    expect(tasks).toHaveLength(1);
  });
});

describe('dashboard panels', () => {
  it('header: scenario, seed, elapsed and phase', async () => {
    const d = open([{ type: 'phase', phase: 'running', at: Date.now(), lasts: 60_000 }]);
    await settle();
    expect(d.frame()).toMatch(/fedsim · panels · seed 7/);
    expect(d.frame()).toMatch(/00:00 · (59|60)s left · RUNNING/);
  });

  it('topology: a node going down changes its region row, in a symbol and a word', async () => {
    const d = open();
    await settle();
    const row = () =>
      d
        .frame()
        .split('\n')
        .find((l) => l.startsWith('eu-west-1'))!;
    expect(row()).toMatch(/●●● up/);
    d.store.emit({ type: 'nodes', states: { ...allUp, [eu2]: 'down' } });
    await settle();
    expect(row()).toMatch(/●✖● 2 down/);
    d.store.emit({ type: 'nodes', states: { ...allUp, [eu2]: 'paused' } });
    await settle();
    expect(row()).toMatch(/●‖● 2 paused/);
  });

  it('links: a fault appears on the link it acts on, both ways, and leaves when undone', async () => {
    const d = open();
    await settle();
    const cells = () =>
      d
        .frame()
        .split('\n')
        .filter((l) => l.includes('!latency'));
    expect(cells()).toEqual([]);
    d.store.emit({ type: 'fault', record: fault() });
    await settle();
    // Region names are coloured (each region its colour): the ANSI codes stripped.
    expect(cells().map((l) => stripVTControlCharacters(l).split(' ')[0])).toEqual(['us-east-1', 'eu-west-1']);
    expect(d.frame()).toMatch(/▶ latency eu-west-1->us-east-1 (29|30)s left/);
    d.store.emit({ type: 'fault', record: fault({ undone: { t: 9, wall: new Date().toISOString() } }) });
    await settle();
    expect(cells()).toEqual([]);
    expect(d.frame()).toMatch(/none active\s/);
    expect(d.frame()).toMatch(/1 done/);
  });

  it('traffic: per region ops/s, p50/p99, errors/s and a sparkline; links show the latency measured now', async () => {
    const d = open();
    for (const ops of [10, 20, 40])
      d.store.emit({
        type: 'traffic',
        sample: {
          t: 0,
          windowMs: 1000,
          regions: { 'eu-west-1': { opsPerSec: ops, errorsPerSec: 3, p50: 4.2, p99: 31 } },
          links: { 'eu-west-1->us-east-1': 161 },
        },
      });
    await settle();
    const row = d
      .frame()
      .split('\n')
      .find((l) => l.startsWith('eu-west-1'))!;
    expect(row).toMatch(/40 ▃▅█\s+4\.2\s+31\s+3$/);
    expect(d.frame()).toMatch(/eu-west-1\s+160\/161/);
  });

  it('noise floor: one line, grey while quiet, saying which bound the host is beyond when it is', async () => {
    const floor = (cpu: number): NoiseFloor => ({
      seconds: 5,
      hostCpu: { cores: 2, mean: cpu, p90: cpu },
      eventLoop: { p99: 3, max: 5 },
      canary: [{ region: 'us-east-1', count: 5, failed: 0, p50: 3, p99: 4 }],
      links: [{ from: 'us-east-1', to: 'eu-west-1', configuredMs: 160, jitterMs: 0, count: 5, failed: 0, p50: 161.5, p99: 163 }],
    });
    const d = open([{ type: 'floor', floor: floor(0.3) }]);
    await settle();
    expect(d.frame()).toMatch(/noise floor: cpu 30% \(p90 30%\) · loop p99 3 ms · canary p99 4\.0 ms · links \+1\.5 ms of cfg/);
    expect(d.frame()).not.toMatch(/BEYOND/);
    d.store.emit({ type: 'floor', floor: floor(0.97) });
    await settle();
    expect(d.frame()).toMatch(/noise floor BEYOND its bounds: host CPU 97% busy/);
  });

  it('faults: the next planned step and when', async () => {
    const d = open([
      {
        type: 'timeline',
        runStart: Date.now(),
        steps: [{ at: 20_000, from: 'timeline', fault: { kind: 'kill', target: 'cluster:main', pick: undefined } as never }],
      },
    ]);
    await settle();
    expect(d.frame()).toMatch(/next in (19|20)s: kill cluster:main/);
  });

  it('expectations: pending, holding, failed, then the verdict', async () => {
    const d = open([
      {
        type: 'expectations',
        list: [
          { name: 'durability', state: 'pending' },
          { name: 'steady-state before', state: 'holding' },
        ],
      },
    ]);
    await settle();
    expect(d.frame()).toMatch(/… durability\s+pending/);
    expect(d.frame()).toMatch(/✔ steady-state before\s+holding/);
    d.store.emit({
      type: 'expectations',
      list: [
        { name: 'durability', state: 'failed' },
        { name: 'steady-state before', state: 'holding' },
      ],
    });
    d.store.emit({ type: 'verdict', passed: false, dir: 'runs/x' });
    await settle();
    expect(d.frame()).toMatch(/✖ durability\s+failed/);
    expect(d.frame()).toMatch(/✔ steady-state before\s+holds/);
    expect(d.frame()).toMatch(/verdict: FAIL · run folder runs\/x/);
  });

  it('keys: q and Ctrl-C quit, h heals, ? shows the keys', async () => {
    const d = open();
    await settle();
    d.ui.stdin.write('h');
    d.ui.stdin.write('q');
    // Ctrl-C: in raw mode it is a key, not a signal.
    d.ui.stdin.write('\u0003');
    d.ui.stdin.write('?');
    await settle();
    expect(d.calls).toEqual({ quit: 2, heal: 1 });
    expect(d.frame()).toMatch(/q quit \(heals and cleans up\) · h heal now/);
  });

  it('fits 80 columns and 24 rows with three regions, and follows a resize', async () => {
    const d = open([
      { type: 'fault', record: fault() },
      {
        type: 'expectations',
        list: ['durability', 'routing', 'residency', 'availability', 'steady-state before', 'steady-state after'].map((name) => ({
          name,
          state: 'pending' as const,
        })),
      },
    ]);
    const stdout = d.ui.stdout as unknown as { columns: number; emit: (e: string) => void };
    const widest = () =>
      Math.max(
        ...d
          .frame()
          .split('\n')
          .map((l) => [...l].length),
      );
    // ink redraws on a resize at its own frame rate: wait for the frame, not for a fixed time.
    Object.defineProperty(stdout, 'columns', { value: 80, configurable: true });
    stdout.emit('resize');
    await settle();
    await vi.waitFor(() => expect(widest()).toBeLessThanOrEqual(80));
    expect(d.frame().split('\n').length).toBeLessThanOrEqual(24);
    Object.defineProperty(stdout, 'columns', { value: 140, configurable: true });
    stdout.emit('resize');
    await settle();
    await vi.waitFor(() => expect(widest()).toBeGreaterThan(80));
  });

  it('uses no color under NO_COLOR', async () => {
    // The unit project forces colour (FORCE_COLOR), so without NO_COLOR the same screen has some.
    const colored = open([{ type: 'nodes', states: { ...allUp, [eu2]: 'down' } }]);
    await settle();
    expect(colored.ui.lastFrame()).toMatch(new RegExp(`${ESC}\\[3[0-7]m`));
    process.env.NO_COLOR = '1';
    try {
      const d = open([{ type: 'nodes', states: { ...allUp, [eu2]: 'down' } }]);
      await settle();
      expect(d.ui.lastFrame()).not.toMatch(new RegExp(`${ESC}\\[3[0-7]m`));
      expect(d.frame()).toMatch(/2 down/);
    } finally {
      delete process.env.NO_COLOR;
    }
  });
});

describe('dashboard or plain lines', () => {
  const terminal = { stdinTTY: true, stdoutTTY: true, env: {} };
  it('the dashboard on a terminal; plain lines with --no-ui, without a TTY either way, or in CI', () => {
    expect(dashboardWanted(undefined, terminal)).toBe(true);
    expect(dashboardWanted(false, terminal)).toBe(false);
    expect(dashboardWanted(undefined, { ...terminal, stdoutTTY: false })).toBe(false);
    expect(dashboardWanted(undefined, { ...terminal, stdinTTY: undefined })).toBe(false);
    expect(dashboardWanted(undefined, { ...terminal, env: { CI: 'true' } })).toBe(false);
    expect(dashboardWanted(undefined, { ...terminal, env: { CONTINUOUS_INTEGRATION: '1' } })).toBe(false);
    expect(dashboardWanted(undefined, { ...terminal, env: { CI: 'false' } })).toBe(true);
    expect(dashboardWanted(undefined, { ...terminal, env: { CI: '' } })).toBe(true);
  });
});

describe('plain lines', () => {
  it('a line per phase and node change, progress at most every few seconds', () => {
    let clock = 0;
    const out: string[] = [];
    const emit = plainLines((l) => out.push(l), { progressMs: 5000, now: () => clock });
    const sample = {
      t: 0,
      windowMs: 1000,
      regions: { 'eu-west-1': { opsPerSec: 20, errorsPerSec: 0, p50: 3, p99: 9 } },
      links: {},
    };
    emit({ type: 'phase', phase: 'running', at: 0, lasts: 30_000 });
    emit({ type: 'nodes', states: allUp });
    emit({ type: 'nodes', states: { ...allUp, [eu2]: 'down' } });
    for (clock = 1000; clock <= 11_000; clock += 1000) emit({ type: 'traffic', sample });
    expect(out).toEqual([
      '[+   0.0s] phase: running (30 s)',
      `[+   0.0s] nodes: ${eu2} down`,
      '[+   1.0s] progress: eu-west-1 20 op/s p99 9 ms',
      '[+   6.0s] progress: eu-west-1 20 op/s p99 9 ms',
      '[+  11.0s] progress: eu-west-1 20 op/s p99 9 ms',
    ]);
  });
});

describe('live traffic', () => {
  it('counts each operation once, when it completes, per region and per link', () => {
    const w = new HistoryWriter(metaLine());
    const sampler = new TrafficSampler(w.history, 0);
    w.add({ type: 'invoke', id: 1, t: 100, region: 'us', kind: 'write', workspace: 'a', cluster: 'w', element: 1 });
    w.add({ type: 'invoke', id: 2, t: 200, region: 'us', kind: 'write', workspace: 'a', cluster: 'w', element: 2 });
    w.add({ type: 'ok', id: 1, t: 180, coordinator: 'w-eu-1' });
    const first = sampler.sample(1000);
    expect(first.regions.us).toEqual({ opsPerSec: 1, errorsPerSec: 0, p50: 80, p99: 80 });
    expect(first.regions.eu).toMatchObject({ opsPerSec: 0 });
    expect(first.links).toEqual({ 'us->eu': 80 });
    // The one in flight at the first sample is counted at the second, and only there.
    w.add({ type: 'fail', id: 2, t: 1500, error: 'x' });
    const second = sampler.sample(2000);
    expect(second.regions.us).toMatchObject({ opsPerSec: 1, errorsPerSec: 1 });
    expect(sampler.sample(3000).regions.us).toMatchObject({ opsPerSec: 0, errorsPerSec: 0 });
  });
});
