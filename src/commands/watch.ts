import type { FaultRecord } from '../faults/log.js';
import { paramsOf } from '../faults/spec.js';
import { type ActiveFault, describeFault, Faults } from '../runtime/faults.js';
import { attach } from '../runtime/federation.js';
import { watchNodes } from '../runtime/watch.js';
import { type Emit, RunControl } from '../scenarios/events.js';
import { dashboardWanted, showDashboard, ViewStore } from '../ui/dashboard.js';
import { plainLines } from '../ui/plain.js';
import type { CommandContext } from './context.js';
import { chosenFederation } from './faults.js';

/** How often the active faults are read from the engine (whichever process injected them). */
const FAULTS_EVERY_MS = 2000;

/** An active fault as the views know fault records: in effect since it was asked for. */
function asRecord(f: ActiveFault): FaultRecord {
  const since = { t: 0, wall: f.asked };
  return {
    id: f.id,
    kind: f.spec.kind,
    target: f.spec.target,
    params: paramsOf(f.spec),
    forMs: f.spec.for,
    directions: f.effects.directions,
    nodes: f.effects.nodes.map((n) => n.node),
    asked: since,
    effect: since,
  };
}

/**
 * `fedsim watch [NAME]`: the dashboard (or plain lines) for a federation that is up, with no run:
 * its nodes' states and the faults active in it, whoever injected them. q (or Ctrl-C) stops
 * watching and leaves the federation as it is; h heals it.
 */
export async function watchCommand(ctx: CommandContext, name: string | undefined, opts: { ui?: boolean }): Promise<void> {
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, name));
  const live = dashboardWanted(opts.ui);
  const store = new ViewStore();
  const emit: Emit = live ? store.emit : plainLines(ctx.show);
  const stop = ctx.interrupt((line) => emit({ type: 'line', line }), 'stopped watching; the federation stays up');
  // Listened for at once: a Ctrl-C that comes while the first faults are read (seconds on a busy
  // engine) would otherwise abort before anyone listens, and watch would never end.
  const stopped = new Promise<void>((resolve) =>
    stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const faults = new Faults(fed, { say: (line) => emit({ type: 'line', line }) });
  const control = new RunControl();
  control.onHeal(async () => {
    await faults.heal().catch(() => undefined);
  });
  emit({ type: 'start', scenario: 'watch', seed: 0, at: Date.now(), dir: '' });
  emit({ type: 'federation', plan: fed.plan });
  emit({ type: 'phase', phase: 'watching', at: Date.now() });
  const stopDashboard = live ? showDashboard(store, { onQuit: () => stop.abort(), onHeal: () => control.heal() }) : () => {};
  const stopNodes = watchNodes(fed, (states) => emit({ type: 'nodes', states }));
  let shown = new Map<string, FaultRecord>();
  const readFaults = async () => {
    const now = new Map((await faults.active()).map((f) => [f.id, asRecord(f)]));
    for (const [id, r] of now)
      if (!shown.has(id)) {
        emit({ type: 'fault', record: r });
        emit({ type: 'line', line: `fault ${id}: ${describeFault(r)} active` });
      }
    for (const [id, r] of shown)
      if (!now.has(id)) {
        emit({ type: 'fault', record: { ...r, undone: { t: 0, wall: new Date().toISOString() } } });
        emit({ type: 'line', line: `fault ${id}: ${describeFault(r)} gone` });
      }
    shown = now;
  };
  const timer = setInterval(() => void readFaults().catch(() => undefined), FAULTS_EVERY_MS);
  await readFaults();
  await stopped;
  clearInterval(timer);
  stopNodes();
  stopDashboard();
  await fed.close();
}
