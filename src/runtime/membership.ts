import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import type { MemberEffect } from '../faults/effects.js';
import { addedNodePlan } from '../faults/membership.js';
import type { NodePlan, Plan } from '../topology/plan.js';
import { cassandra } from './components/cassandra.js';
import { place } from './components/index.js';
import { answersCql } from './cql.js';
import type { Engine } from './engine.js';
import { lastLogLines } from './federation.js';
import { execAsRoot } from './hostfaults.js';
import { type ResolvedImage, resolveImage } from './images.js';
import { LABEL } from './labels.js';
import { waitUntil } from './wait.js';

/**
 * Membership faults against the engine (their effects are planned in faults/membership.ts): a node
 * added as a container of the bring-up's shape, a node decommissioned with nodetool, a dead node
 * replaced; and their inverses. Markers in a node's data folder (read by the image's entrypoint) make
 * a planned node come back empty and bootstrap, so heal needs no record: it starts the node.
 */

/** How long a node may take to bootstrap or leave: streaming, on a busy 2-core machine. */
export const MEMBERSHIP_LIMIT_MS = 900_000;
const DATA = '/var/lib/cassandra';
export const REJOIN_MARKER = '.fedsim-rejoin';
export const REPLACE_MARKER = '.fedsim-replace';

export interface RingMember {
  /** nodetool's status and state: UN (up, normal), UJ (joining), UL (leaving), DN (down)... */
  state: string;
  address: string;
  hostId: string;
}

/** The ring as `nodetool status` prints it (every datacenter). */
export function parseRing(status: string): RingMember[] {
  const out: RingMember[] = [];
  for (const line of status.split('\n')) {
    const m = /^([UD][NLJM])\s+(\d+\.\d+\.\d+\.\d+)\s.*?\s([0-9a-f]{8}-[0-9a-f-]{27})\s/.exec(line);
    if (m) out.push({ state: m[1]!, address: m[2]!, hostId: m[3]! });
  }
  return out;
}

/** The ring as one node sees it. */
export async function ringSeenBy(engine: Engine, container: string): Promise<RingMember[]> {
  const r = await engine.exec(container, ['nodetool', 'status'], 60_000);
  if (r.code !== 0) throw new FedsimError(`nodetool status in ${container} failed: ${r.output.trim().split('\n').pop()}`);
  return parseRing(r.output);
}

async function isRunning(engine: Engine, container: string): Promise<boolean> {
  const s = await engine.inspect(container).catch(() => undefined);
  return Boolean(s?.running && !s.paused);
}

/** A running planned node of the cluster other than `except`: the one that says what the ring is. */
async function witness(engine: Engine, plan: Plan, cluster: string, except: string): Promise<NodePlan> {
  for (const n of plan.nodes.filter((m) => m.cluster === cluster && m.name !== except)) if (await isRunning(engine, n.container)) return n;
  throw new FedsimError(`No other node of cluster ${cluster} is running to see ${except} join or leave.`);
}

/** Refuses a node whose image's entrypoint predates membership faults (it would ignore the markers). */
async function needsMembershipImage(engine: Engine, n: { node: string; container: string }): Promise<void> {
  const r = await execAsRoot(engine, n.container, 'grep -q fedsim-replace /usr/local/bin/fedsim-cassandra');
  if (r.code !== 0)
    throw new FedsimError(`${n.node}'s image predates membership faults (run \`fedsim images build\` and bring the federation up again).`);
}

/**
 * Waits until the node at `address` serves (CQL answers only once it has bootstrapped) and a
 * witness lists it Up and Normal; fails early if its container exits.
 */
async function waitJoined(engine: Engine, plan: Plan, m: MemberEffect, say: Say): Promise<void> {
  const seer = await witness(engine, plan, m.cluster, m.node);
  const outcome = await waitUntil(
    {
      what: `${m.node} to join ${m.cluster}`,
      check: async () => {
        if (!(await answersCql(`${m.address}:9042`, 1000))) return `${m.node} does not answer CQL yet (bootstrapping)`;
        const me = (await ringSeenBy(engine, seer.container)).find((r) => r.address === m.address);
        return me?.state === 'UN' ? undefined : `${seer.name} sees ${m.node} ${me?.state ?? 'absent'}`;
      },
    },
    {
      timeoutMs: MEMBERSHIP_LIMIT_MS,
      everyMs: 3000,
      say,
      stop: async () => {
        const s = await engine.inspect(m.container).catch(() => undefined);
        if (!s) return `${m.node}'s container is gone`;
        if (s.running || s.paused) return undefined;
        return `${m.node} exited before it joined (code ${s.exitCode}${s.oomKilled ? ', out of memory' : ''})`;
      },
    },
  );
  if (!outcome.ready)
    throw new FedsimError(
      `${m.node} did not join ${m.cluster}: ${outcome.last}; its last log lines:\n${await lastLogLines(engine, m.container)}`,
    );
}

async function clearMarkers(engine: Engine, container: string): Promise<void> {
  await execAsRoot(engine, container, `rm -f ${DATA}/${REJOIN_MARKER} ${DATA}/${REPLACE_MARKER}`);
}

async function nodetool(engine: Engine, container: string, args: string[]): Promise<void> {
  const r = await engine.exec(container, ['nodetool', ...args], MEMBERSHIP_LIMIT_MS);
  if (r.code !== 0) throw new FedsimError(`nodetool ${args.join(' ')} failed: ${r.output.trim().split('\n').slice(-3).join(' ')}`);
}

/** Applies a membership change; resolves once it is in effect (joined, left, or replaced and serving). */
export async function applyMember(engine: Engine, plan: Plan, m: MemberEffect, say: Say): Promise<void> {
  if (m.action === 'add') {
    const sibling = await witness(engine, plan, m.cluster, m.node);
    await needsMembershipImage(engine, { node: sibling.name, container: sibling.container });
    if (
      await engine.inspect(m.container).then(
        () => true,
        () => false,
      )
    )
      throw new FedsimError(`${m.node} is already there (another add-node on ${m.cluster} is active); heal it first.`);
    // The bring-up's Cassandra record, told to bootstrap (planned nodes start as seeds, without streaming).
    const joining = {
      ...cassandra,
      container: (p: Plan, n: NodePlan, img: ResolvedImage) => {
        const spec = cassandra.container(p, n, img);
        return { ...spec, Env: [...(spec.Env ?? []), 'FEDSIM_JOIN=1'] };
      },
    };
    await place(engine, plan, joining, m.plan!, await resolveImage(engine, 'cassandra', 'auto', say));
    await waitJoined(engine, plan, m, say);
    return;
  }
  if (!(await isRunning(engine, m.container))) throw new FedsimError(`${m.node} is not running; heal it first.`);
  await needsMembershipImage(engine, m);
  if (m.action === 'decommission') {
    await witness(engine, plan, m.cluster, m.node);
    // --force: a small cluster has fewer nodes than a system keyspace's replication factor (3).
    await nodetool(engine, m.container, ['decommission', '--force']);
    // Before it stops: any later start (undo, heal, a restart) brings it back empty, bootstrapping.
    await engine.putFiles(m.container, DATA, { [REJOIN_MARKER]: 'decommissioned by fedsim\n' });
    await engine.stop(m.container, 30);
    return;
  }
  await engine.kill(m.container);
  await engine.putFiles(m.container, DATA, { [REPLACE_MARKER]: `replacing ${m.address}\n` });
  await engine.start(m.container);
  await waitJoined(engine, plan, m, say);
  await clearMarkers(engine, m.container);
}

/**
 * Undoes a membership change: an added node decommissioned and removed (or, if it never joined or
 * cannot leave, removed and taken out of the ring by a witness); a decommissioned node started,
 * bootstrapping again, and its marker cleared once it serves. A replacement has nothing to undo.
 */
export async function revertMember(engine: Engine, plan: Plan, m: MemberEffect, say: Say): Promise<void> {
  if (m.action === 'add') return removeAddedNode(engine, plan, m, say);
  if (m.action === 'replace') {
    if (!(await isRunning(engine, m.container))) await engine.start(m.container);
    return;
  }
  const state = await engine.inspect(m.container);
  if (state.paused) await engine.unpause(m.container);
  else if (!state.running) await engine.start(m.container);
  await waitJoined(engine, plan, m, say);
  await clearMarkers(engine, m.container);
}

async function removeAddedNode(
  engine: Engine,
  plan: Plan,
  m: Pick<MemberEffect, 'node' | 'container' | 'cluster' | 'address'>,
  say: Say,
): Promise<void> {
  const left = (await isRunning(engine, m.container))
    ? await nodetool(engine, m.container, ['decommission', '--force']).then(
        () => true,
        (err) => {
          say(`${m.node}: decommission failed (${reason(err)}); removing it from the ring instead`);
          return false;
        },
      )
    : false;
  await engine.remove(m.container);
  if (left) return;
  const seer = await witness(engine, plan, m.cluster, m.node);
  const gone = (await ringSeenBy(engine, seer.container)).find((r) => r.address === m.address);
  if (!gone) return;
  await nodetool(engine, seer.container, ['removenode', gone.hostId]).catch(() =>
    nodetool(engine, seer.container, ['assassinate', m.address]),
  );
}

/**
 * What heal does for membership, without records: every node container the plan does not have is
 * decommissioned and removed (returns their names). Planned nodes are started by heal as any node;
 * a decommissioned one comes back empty and bootstraps (its marker), cleared by `clearMembershipMarkers`.
 */
export async function sweepAddedNodes(engine: Engine, plan: Plan, say: Say): Promise<string[]> {
  const planned = new Set(plan.nodes.map((n) => n.container));
  const extra = (await engine.containers({ label: [`${LABEL.federation}=${plan.federation}`, `${LABEL.role}=node`] })).filter(
    (c) => !planned.has(c.name),
  );
  await Promise.all(
    extra.map(async (c) => {
      const cluster = c.labels[LABEL.cluster] ?? '';
      const p = plan.clusters.some((k) => k.name === cluster) ? addedNodePlan(plan, cluster) : undefined;
      if (!p || p.container !== c.name) {
        await engine.remove(c.name);
        return;
      }
      await removeAddedNode(engine, plan, { node: p.name, container: p.container, cluster, address: p.address }, say);
    }),
  );
  return extra.map((c) => c.labels[LABEL.node] ?? c.name);
}

/** Clears the membership markers of running planned Cassandra nodes (once they serve, the markers have done their work). */
export async function clearMembershipMarkers(engine: Engine, plan: Plan): Promise<void> {
  await Promise.all(
    plan.nodes
      .filter((n) => n.flavor === 'cassandra')
      .map(async (n) => {
        if (await isRunning(engine, n.container)) await clearMarkers(engine, n.container);
      }),
  );
}
