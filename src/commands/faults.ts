import { FedsimError } from '../errors.js';
import { FaultLog } from '../faults/log.js';
import { flagOf, PARAM_NAMES, PARAMS, type Param } from '../faults/params.js';
import { type FaultSpecInput, paramsOf } from '../faults/spec.js';
import type { Engine } from '../runtime/engine.js';
import { describeFault, Faults, parseFault } from '../runtime/faults.js';
import { attach } from '../runtime/federation.js';
import { federationNames } from '../runtime/removal.js';
import type { CommandContext } from './context.js';

/** The federation a command means: the one named, or the only one that is up. */
export async function chosenFederation(engine: Engine, name?: string): Promise<string> {
  if (name) return name;
  const names = await federationNames(engine);
  if (names.length === 1) return names[0]!;
  if (!names.length) throw new FedsimError('No federation is up; `fedsim up FILE` brings one up.');
  throw new FedsimError(`${names.length} federations are up (${names.join(', ')}); name one (with --federation where the command has it).`);
}

/** commander's options of `fedsim fault`: each kind parameter as typed (see faults/docs.ts). */
export type FaultOptions = { federation?: string; for?: string; log?: string } & Partial<Record<Param, string | boolean>>;

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new FedsimError(`--${flag} expects a whole number, got "${text}".`);
  return Number(text);
}

/**
 * `fedsim fault KIND TARGET [options]`: injects one fault. With --for it holds the fault that long,
 * then undoes it (Ctrl-C undoes it early); without, the fault stays until `fedsim heal`.
 */
export async function faultCommand(ctx: CommandContext, kind: string, target: string, opts: FaultOptions): Promise<void> {
  const input: Record<string, unknown> = { kind, target, for: opts.for };
  for (const p of PARAM_NAMES) {
    const text = opts[p];
    input[p] = PARAMS[p].cli === 'integer' && typeof text === 'string' ? integer(flagOf(p), text) : text;
  }
  const spec = parseFault(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as FaultSpecInput);
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const faults = new Faults(fed, { log: new FaultLog(opts.log), say: ctx.say });
  const record = await faults.inject(spec);
  if (spec.for === undefined) {
    ctx.out(`fault ${record.id} in effect: ${describeFault(record)}; \`fedsim heal\` undoes it\n`);
    return;
  }
  ctx.out(`fault ${record.id} in effect for ${spec.for / 1000} s: ${describeFault(record)} (Ctrl-C undoes it now)\n`);
  faults.release();
  const signal = ctx.interrupt().signal;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, spec.for);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await faults.undo(record.id);
  ctx.out(`fault ${record.id} undone${signal.aborted ? ' (interrupted)' : ''}\n`);
  if (signal.aborted) process.exitCode = 130;
}

/** `fedsim faults [--federation N] [--json]`: the active faults, whichever process injected them. */
export async function faultsCommand(ctx: CommandContext, opts: { federation?: string; json?: boolean }): Promise<void> {
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const active = await new Faults(fed).active();
  if (opts.json) {
    ctx.out(`${JSON.stringify(active, null, 2)}\n`);
    return;
  }
  if (!active.length) {
    ctx.out(`no fault is active in ${fed.name}\n`);
    return;
  }
  for (const f of active) {
    const until = f.until ? (f.overdue ? ' OVERDUE (its process died; `fedsim heal` undoes it)' : ` until ${f.until}`) : ' until healed';
    const line = describeFault({
      kind: f.spec.kind,
      target: f.spec.target,
      params: paramsOf(f.spec),
      nodes: f.effects.nodes.map((n) => n.node),
    });
    ctx.out(`${f.id}  ${line}  since ${f.asked}${until}\n`);
  }
}

/** `fedsim heal [--federation N]`: undoes every fault and waits until the federation answers. */
export async function healCommand(ctx: CommandContext, opts: { federation?: string; log?: string }): Promise<void> {
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const r = await new Faults(fed, { log: new FaultLog(opts.log), say: ctx.say }).heal({ signal: ctx.interrupt().signal });
  const did = [
    `${r.faults} fault record(s) cleared`,
    `${r.toxicsRemoved} toxic(s) removed`,
    r.baselinesRestored && `${r.baselinesRestored} baseline(s) restored`,
    r.proxiesEnabled && `${r.proxiesEnabled} proxy(ies) enabled`,
    r.nodesStarted.length && `started ${r.nodesStarted.join(', ')}`,
    r.nodesUnpaused.length && `unpaused ${r.nodesUnpaused.join(', ')}`,
    r.rulesRemoved && `${r.rulesRemoved} packet rule(s) deleted`,
    r.limitsRestored.length && `planned limits set again on ${r.limitsRestored.join(', ')}`,
    r.clocksReset.length && `clock set right on ${r.clocksReset.join(', ')}`,
    r.nodesRemoved.length && `decommissioned and removed ${r.nodesRemoved.join(', ')}`,
  ].filter(Boolean);
  ctx.out(`${fed.name} healed in ${r.seconds.toFixed(1)} s: ${did.join('; ')}\n`);
}
