import { FedsimError } from '../errors.js';
import { attach, type Federation } from '../runtime/federation.js';
import { LABEL, labelFilter } from '../runtime/labels.js';
import { containerName } from '../topology/plan.js';
import type { CommandContext } from './context.js';
import { chosenFederation } from './faults.js';

/**
 * A federation's nodes as ccm users reach them: `fedsim logs NODE`, `fedsim cqlsh NODE|REGION`,
 * `fedsim nodetool NODE ...`. cqlsh and nodetool run inside the node's container (the engine's
 * exec, with a terminal when stdin is one), so they need nothing on this machine.
 */

type Options = { federation?: string };

const list = (xs: string[]) => xs.join(', ') || 'none';

/**
 * `fedsim logs NAME`: a node's (or a gateway's, a service replica's, monitoring's) log, as the engine
 * kept it; with --follow, then as it grows, until Ctrl-C or the container stops (both exit 0).
 */
export async function logsCommand(ctx: CommandContext, name: string, opts: Options & { tail?: string; follow?: boolean }): Promise<void> {
  if (opts.tail !== undefined && !/^\d+$/.test(opts.tail))
    throw new FedsimError(`--tail expects a whole number of lines, got "${opts.tail}".`);
  const engine = await ctx.engine();
  const federation = await chosenFederation(engine, opts.federation);
  const prefix = containerName(federation, '');
  const containers = (await engine.containers(labelFilter(federation))).filter((c) => c.labels[LABEL.role] !== 'reaper');
  const short = (n: string) => (n.startsWith(prefix) ? n.slice(prefix.length) : n);
  const found = containers.find((c) => short(c.name) === name);
  if (!found) {
    if (!containers.length) throw new FedsimError(`No federation named ${federation} is up; \`fedsim status\` lists those that are.`);
    throw new FedsimError(
      `No node or container "${name}" in federation ${federation}; it has ${list(containers.map((c) => short(c.name)).sort())}.`,
    );
  }
  const tail = opts.tail === undefined ? undefined : Number(opts.tail);
  if (!opts.follow) return ctx.out(await engine.logs(found.id, tail));
  // Ctrl-C is how a follow ends, so it is quiet and no failure: the stream stops, the command returns.
  const interrupt = ctx.interrupt(() => undefined);
  await engine.followLogs(found.id, ctx.out, { tail, signal: interrupt.signal });
}

/** The node by its name, or (where `region` is allowed) the first node of a region; unknown ones are one sentence. */
function nodeOf(fed: Federation, name: string, region: boolean) {
  const node = fed.plan.nodes.find((n) => n.name === name) ?? (region ? fed.plan.nodes.find((n) => n.region === name) : undefined);
  if (node) return node;
  const nodes = list(fed.plan.nodes.map((n) => n.name));
  throw new FedsimError(
    region
      ? `No node or region "${name}" in federation ${fed.name}; its nodes are ${nodes} and its regions ${list(fed.plan.regions)}.`
      : `No node "${name}" in federation ${fed.name}; its nodes are ${nodes}.`,
  );
}

/** Runs a program in the node's container with this terminal; its exit code becomes fedsim's. */
async function inNode(fed: Federation, container: string, node: string, cmd: string[]): Promise<void> {
  const state = await fed.engine.inspect(container).catch(() => undefined);
  if (!state?.running || state.paused)
    throw new FedsimError(`Node ${node} is ${state?.status ?? 'gone'}; \`fedsim heal\` brings it back.`, 1);
  process.exitCode = await fed.engine.execAttached(container, cmd, { tty: Boolean(process.stdin.isTTY && process.stdout.isTTY) });
}

/** `fedsim cqlsh NODE|REGION [cqlsh options]`: cqlsh on the node (a region: its first node), connected to that node. */
export async function cqlshCommand(ctx: CommandContext, target: string, args: string[], opts: Options): Promise<void> {
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const node = nodeOf(fed, target, true);
  await inNode(fed, node.container, node.name, ['cqlsh', node.address, '9042', ...args]);
}

/** `fedsim nodetool NODE [command ...]`: nodetool on the node, over its local JMX. */
export async function nodetoolCommand(ctx: CommandContext, target: string, args: string[], opts: Options): Promise<void> {
  const engine = await ctx.engine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const node = nodeOf(fed, target, false);
  await inNode(fed, node.container, node.name, ['nodetool', ...args]);
}
