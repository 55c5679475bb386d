import { FedsimError } from '../errors.js';
import { FaultLog } from '../faults/log.js';
import { flagOf, PARAM_NAMES, PARAMS, type Param } from '../faults/params.js';
import { type FaultSpecInput, paramsOf } from '../faults/spec.js';
import type { Engine } from '../runtime/engine.js';
import { describeFault, Faults, parseFault } from '../runtime/faults.js';
import { attach, waitUntilAnswering } from '../runtime/federation.js';
import { LABEL } from '../runtime/labels.js';
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

/**
 * The federation a fault id belongs to: the one named, else the one whose fault records hold the id
 * (an id is unique across federations, so naming one is never needed to say which is meant).
 */
async function federationOfFault(engine: Engine, id: string, name?: string): Promise<string> {
  if (name) return name;
  const records = await engine.volumes({ label: [`${LABEL.role}=fault`] });
  const holders = [
    ...new Set(
      records
        .filter((v) => v.labels[LABEL.federation] && (JSON.parse(v.labels[LABEL.fault] ?? 'null') as { id?: string } | null)?.id === id)
        .map((v) => v.labels[LABEL.federation]!),
    ),
  ];
  if (holders.length === 1) return holders[0]!;
  if (holders.length > 1) throw new FedsimError(`Fault ${id} is in ${holders.join(' and ')}; name one with --federation.`);
  throw new FedsimError(`No fault ${id} is active in any federation; \`fedsim faults -f NAME\` lists a federation's.`);
}

/** commander's options of `fedsim fault`: each kind parameter as typed (see faults/docs.ts). */
export type FaultOptions = { federation?: string; for?: string; log?: string } & Partial<Record<Param, string | boolean>>;

function integer(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new FedsimError(`--${flag} expects a whole number, got "${text}".`);
  return Number(text);
}

/** The kind parameters given as options, typed (whole numbers checked here, the rest by the schema). */
function paramsFrom(opts: FaultOptions): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const p of PARAM_NAMES) {
    const text = opts[p];
    const value = PARAMS[p].cli === 'integer' && typeof text === 'string' ? integer(flagOf(p), text) : text;
    if (value !== undefined) input[p] = value;
  }
  return input;
}

/** A fault record as `--json` prints it (docs/CLI.md). */
const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * `fedsim fault KIND TARGET [options]`: injects one fault and prints its id (with --json, its
 * record), what `fedsim heal ID` and `fedsim fault update ID` take. With --for it holds the fault
 * that long, then undoes it (Ctrl-C undoes it early); without, the fault stays until `fedsim heal`.
 */
export async function faultCommand(
  ctx: CommandContext,
  kind: string,
  target: string,
  opts: FaultOptions & { json?: boolean },
): Promise<void> {
  const input = { kind, target, ...(opts.for !== undefined && { for: opts.for }), ...paramsFrom(opts) };
  const spec = parseFault(input as FaultSpecInput);
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const faults = new Faults(fed, { log: new FaultLog(opts.log), say: ctx.say });
  const record = await faults.inject(spec);
  // stdout: the id alone (or the record), what a script keeps; the rest is said on stderr.
  ctx.out(opts.json ? json({ federation: fed.name, ...record }) : `${record.id}\n`);
  if (spec.for === undefined) {
    ctx.say(`fault ${record.id} stays until \`fedsim heal ${record.id}\` (or \`fedsim heal\`) undoes it`);
    return;
  }
  ctx.say(`fault ${record.id} held for ${spec.for / 1000} s (Ctrl-C undoes it now)`);
  faults.release();
  const signal = ctx.interrupt().signal;
  await new Promise<void>((resolve) => {
    // A Ctrl-C while the fault was injected arrives as an early signal: already aborted here.
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, spec.for);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await faults.undo(record.id);
  ctx.say(`fault ${record.id} undone${signal.aborted ? ' (interrupted)' : ''}`);
  if (signal.aborted) process.exitCode = 130;
}

/**
 * `fedsim fault update ID [options]`: changes an active fault's parameters in place (a link toxic's
 * attributes, a stress limit, a clock offset); prints its id, or its record with --json.
 */
export async function faultUpdateCommand(
  ctx: CommandContext,
  id: string,
  opts: Omit<FaultOptions, 'for'> & { json?: boolean; for?: string },
): Promise<void> {
  if (opts.for !== undefined) throw new FedsimError('fault update changes parameters, not how long a fault lasts; leave out --for.');
  const changes = paramsFrom(opts);
  const engine = await ctx.engine();
  const fed = await attach(engine, await federationOfFault(engine, id, opts.federation));
  const updated = await new Faults(fed, { say: ctx.say }).update(id, changes);
  ctx.out(opts.json ? json({ federation: fed.name, ...updated }) : `${updated.id}\n`);
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

/**
 * `fedsim heal [ID] [--federation N] [--json]`: without ID, undoes every fault and waits until the
 * federation answers; with ID, undoes that fault (and waits for the federation when it was the last).
 */
export async function healCommand(
  ctx: CommandContext,
  id: string | undefined,
  opts: { federation?: string; log?: string; json?: boolean },
): Promise<void> {
  const engine = await ctx.engine();
  const fed = await attach(
    engine,
    await (id === undefined ? chosenFederation(engine, opts.federation) : federationOfFault(engine, id, opts.federation)),
  );
  const faults = new Faults(fed, { log: new FaultLog(opts.log), say: ctx.say });
  if (id !== undefined) {
    const active = await faults.active();
    const fault = active.find((f) => f.id === id);
    if (!fault)
      throw new FedsimError(
        `No fault ${id} is active in ${fed.name}${active.length ? ` (active: ${active.map((f) => f.id).join(', ')})` : ''}; \`fedsim faults\` lists them.`,
      );
    const t0 = performance.now();
    await faults.undo(id);
    const others = active.length - 1;
    // With others still active the federation is not meant to be whole yet: no wait.
    if (!others) await waitUntilAnswering(fed, { timeoutMs: 180_000, signal: ctx.interrupt().signal, say: ctx.say });
    const seconds = (performance.now() - t0) / 1000;
    if (opts.json) return ctx.out(json({ federation: fed.name, healed: [id], faultsLeft: others, seconds }));
    ctx.out(
      `fault ${id} undone in ${seconds.toFixed(1)} s: ${describeFault({ kind: fault.spec.kind, target: fault.spec.target, params: paramsOf(fault.spec) })}; ${others ? `${others} other fault(s) still active` : `${fed.name} answers again`}\n`,
    );
    return;
  }
  const r = await faults.heal({ signal: ctx.interrupt().signal });
  if (opts.json) return ctx.out(json({ federation: fed.name, ...r }));
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
