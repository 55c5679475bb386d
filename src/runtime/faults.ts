import { randomBytes } from 'node:crypto';
import { Clock } from '../clock.js';
import { describeIssues } from '../common/document.js';
import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import { type ClockEffect, type Effects, FAULT_TOXIC_PREFIX, type NodeEffect, touchedNodes } from '../faults/effects.js';
import { effectsOf, kindOf } from '../faults/kinds.js';
import type { FaultLog, FaultRecord } from '../faults/log.js';
import type { FaultParams } from '../faults/params.js';
import { type FaultSpec, type FaultSpecInput, FaultSpecSchema, INSTANT_KINDS, paramsOf } from '../faults/spec.js';
import type { Engine } from './engine.js';
import { type Federation, waitUntilAnswering } from './federation.js';
import { GatewayApi, type GatewayToxic } from './gateway.js';
import {
  addPacketRules,
  clockFollows,
  deletePacketRules,
  restoreLimits,
  setClock,
  setLimits,
  sweepClock,
  sweepLimits,
  sweepPacketRules,
} from './hostfaults.js';
import { federationLabels, LABEL } from './labels.js';
import { applyMember, clearMembershipMarkers, MEMBERSHIP_LIMIT_MS, revertMember, sweepAddedNodes } from './membership.js';
import { markForWipe } from './nodes.js';
import { cqlProbe } from './readiness.js';
import { waitForServices } from './services.js';
import { waitUntil } from './wait.js';

/**
 * Over 400 lines with reason: the Faults class is a fault's whole life on the engine (inject with
 * rollback, undo, the stored records, heal, the answering probe), and its halves share the record
 * format and the "held by another active fault" rules; what one effect does is elsewhere
 * (gateway.ts, hostfaults.ts, nodes.ts), what a kind means is in src/faults/.
 *
 * Faults applied to a running federation, each with its inverse. The state of every active fault
 * lives in the engine, not in this process: its toxics are named after it on the gateways, and a
 * record of it (spec, effects, times) is a labelled Docker volume. So another process, or a later
 * one after a crash, can list, undo or heal what this one injected.
 */
interface StoredFault {
  id: string;
  spec: FaultSpec;
  effects: Effects;
  /** Wall-clock times: asked for, in effect, and (for a timed fault) when it should end. */
  asked: string;
  until?: string;
}

export interface ActiveFault extends StoredFault {
  /** A timed fault whose time is up but which no process undid (its process died): heal it. */
  overdue: boolean;
}

export interface HealReport {
  faults: number;
  toxicsRemoved: number;
  baselinesRestored: number;
  proxiesEnabled: number;
  nodesStarted: string[];
  nodesUnpaused: string[];
  /** iptables rules of loss faults deleted, in gateways and nodes. */
  rulesRemoved: number;
  /** Nodes and replicas whose planned cgroup limits were set again. */
  limitsRestored: string[];
  /** Nodes whose clock offset was set back to zero. */
  clocksReset: string[];
  /** Nodes the plan does not have (added by add-node), decommissioned and removed. */
  nodesRemoved: string[];
  /** From the start of heal until every node answered and saw its cluster whole again. */
  seconds: number;
}

export interface FaultsOptions {
  clock?: Clock;
  log?: FaultLog;
  say?: Say;
  /** Probe the nodes of each undone fault until they answer (its record's `answering`); `settled()` awaits it. */
  probeAnswering?: boolean;
}

/** Parses a fault as a user wrote it; a problem is one sentence naming the field. */
export function parseFault(input: FaultSpec | FaultSpecInput): FaultSpec {
  const r = FaultSpecSchema.safeParse(input);
  if (!r.success) throw new FedsimError(`Fault ${JSON.stringify(input.kind ?? '?')}: ${describeIssues(r.error)}`);
  return r.data;
}

type NodeState = 'running' | 'paused' | 'stopped' | 'missing';

/** "Node answering again" is probed this often after an undo, for at most this long. */
const ANSWERING_PROBE_MS = 100;
const ANSWERING_LIMIT_MS = 180_000;

async function nodeState(engine: Engine, container: string): Promise<NodeState> {
  try {
    const s = await engine.inspect(container);
    return s.paused ? 'paused' : s.running ? 'running' : 'stopped';
  } catch {
    return 'missing';
  }
}

async function actOnNode(engine: Engine, e: NodeEffect): Promise<void> {
  const c = e.container;
  const state = await nodeState(engine, c);
  if (state === 'missing') throw new FedsimError(`Node ${e.node} has no container (${c}); is the federation whole?`);
  if (e.action === 'pause') {
    if (state === 'running') await engine.pause(c);
    return;
  }
  if (state === 'paused') await engine.unpause(c);
  const running = state !== 'stopped';
  if (e.action === 'kill' && running) await engine.kill(c);
  if (e.action === 'stop' && running) await engine.stop(c, 30);
  if (e.action === 'restart') await engine.restart(c, 30);
  if (e.action === 'wipe') {
    if (running) await engine.kill(c);
    await markForWipe(engine, e.container);
  }
}

/** Brings a node back to running; true if something had to be done. */
async function restoreNode(engine: Engine, container: string): Promise<'started' | 'unpaused' | undefined> {
  const state = await nodeState(engine, container);
  if (state === 'paused') {
    await engine.unpause(container);
    return 'unpaused';
  }
  if (state === 'stopped') {
    await engine.start(container);
    return 'started';
  }
  return undefined;
}

export class Faults {
  readonly clock: Clock;
  private readonly log?: FaultLog;
  private readonly say: Say;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The records of faults this process injected, for the fault log. */
  private readonly records = new Map<string, FaultRecord>();
  private readonly gateways: Map<string, GatewayApi>;
  /** Probes of nodes answering again after an undo, still running. */
  private readonly probes = new Set<Promise<void>>();
  private readonly probing = new AbortController();
  private readonly probeAnswering: boolean;

  constructor(
    readonly fed: Federation,
    opts: FaultsOptions = {},
  ) {
    this.clock = opts.clock ?? new Clock();
    this.log = opts.log;
    this.say = opts.say ?? (() => undefined);
    this.probeAnswering = opts.probeAnswering ?? false;
    this.gateways = new Map(fed.plan.gateways.map((g) => [g.region, new GatewayApi(g.region, fed.gatewayApis[g.region]!)]));
  }

  private get engine(): Engine {
    return this.fed.engine;
  }

  private gateway(region: string): GatewayApi {
    return this.gateways.get(region)!;
  }

  /**
   * Injects a fault and returns its record once it is in effect. Bad input (an unknown kind, region
   * or node, a parameter out of range) throws before anything is touched; if applying fails half-way,
   * what was applied is undone before the error is thrown. `step`: the timeline step injecting it.
   */
  async inject(input: FaultSpec | FaultSpecInput, step?: number): Promise<FaultRecord> {
    const spec = parseFault(input);
    const id = randomBytes(4).toString('hex');
    const effects = effectsOf(this.fed.plan, spec, id);
    const record: FaultRecord = {
      id,
      kind: spec.kind,
      target: spec.target,
      params: paramsOf(spec),
      forMs: spec.for,
      directions: effects.directions,
      nodes: touchedNodes(effects),
      asked: this.clock.at(),
      ...(step !== undefined && { step }),
    };
    this.records.set(id, record);
    const instant = INSTANT_KINDS.includes(spec.kind);
    // The record is stored while the fault is applied: heal needs no record (it restores the
    // declared state), so a crash between the two leaves nothing that heal cannot undo.
    const until = spec.for !== undefined ? new Date(Date.now() + spec.for).toISOString() : undefined;
    // Settled, not raced: on a failure, nothing may still be in flight when it is reverted.
    // In effect the moment the engine says it is applied, not once the record is stored too: the
    // checkers date what fails from these stamps.
    let applied: FaultRecord['effect'];
    const results = await Promise.allSettled([
      instant ? undefined : this.store({ id, spec, effects, asked: record.asked.wall, until }),
      this.apply(effects).then(() => {
        applied = this.clock.at();
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      record.error = reason(failed.reason);
      const reverted = await this.revert(id, effects).then(
        () => 'what was applied has been undone',
        (err) => `undoing what was applied failed too (${reason(err)}); \`fedsim heal\` restores the federation`,
      );
      this.log?.write(record);
      // One sentence, then whatever the cause said after its first line (a node's last log lines).
      const rest = failed.reason instanceof Error ? failed.reason.message.split('\n').slice(1).join('\n') : '';
      throw new FedsimError(`Could not inject ${spec.kind} on ${spec.target}: ${record.error}; ${reverted}.${rest ? `\n${rest}` : ''}`);
    }
    record.effect = applied ?? this.clock.at();
    if (instant) record.undone = record.effect;
    this.log?.write(record);
    this.say(`fault ${id}: ${describeFault(record)} in effect after ${(record.effect.t - record.asked.t).toFixed(0)} ms`);
    if (instant) this.watchAnswering(record);
    if (spec.for !== undefined && !instant) {
      const timer = setTimeout(() => {
        this.timers.delete(id);
        this.undo(id).catch((err) => this.say(`fault ${id}: undoing it failed: ${reason(err)}; run \`fedsim heal\``));
      }, spec.for);
      this.timers.set(id, timer);
    }
    return record;
  }

  /** Moves a node's clock from `fromSeconds` and returns once the node's own clock (and its message dating) follow. */
  private async moveClock(c: ClockEffect, fromSeconds: number): Promise<void> {
    const n = this.fed.plan.nodes.find((x) => x.name === c.node);
    if (!n) throw new FedsimError(`${c.node} is not a node of federation ${this.fed.plan.federation}.`);
    const writtenAt = performance.now();
    await setClock(this.engine, c);
    await clockFollows({ ...c, address: n.address, datacenter: n.datacenter, ahead: c.offsetSeconds > fromSeconds, writtenAt });
  }

  private async apply(effects: Effects): Promise<void> {
    const results = await Promise.allSettled([
      ...effects.toxics.map((t) => this.gateway(t.gateway).addToxic(t.proxy, t.toxic as GatewayToxic)),
      ...effects.disabled.map((p) => this.gateway(p.gateway).setEnabled(p.proxy, false)),
      ...effects.nodes.map((n) => actOnNode(this.engine, n)),
      ...(effects.packets ?? []).map((p) => addPacketRules(this.engine, p)),
      ...(effects.limits ?? []).map((l) => setLimits(this.engine, l)),
      ...(effects.clocks ?? []).map((c) => this.moveClock(c, 0)),
      ...(effects.members ?? []).map((m) => applyMember(this.engine, this.fed.plan, m, this.say)),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Undoes one fault: its toxics removed, its proxies enabled and its nodes running again, except
   * where another active fault still holds the same proxy or node. Returns its record (undefined if
   * it was not active).
   */
  async undo(id: string): Promise<FaultRecord | undefined> {
    const timer = this.timers.get(id);
    if (timer) clearTimeout(timer);
    this.timers.delete(id);
    const fault = (await this.stored()).find((f) => f.id === id);
    if (!fault) return undefined;
    await this.revert(id, fault.effects);
    return this.finish(id);
  }

  /**
   * Changes an active fault's parameters in place, whichever process injected it (`fedsim fault
   * update`): its toxics' attributes updated on the gateways, its limits or clock offsets set again,
   * its record replaced. Only for kinds marked `updatable`, and only when the change keeps what the
   * fault touches (a new `pick` or `seed` would move it to other nodes: heal it and inject another).
   * Bad input throws before anything is touched.
   */
  async update(id: string, changes: FaultParams): Promise<ActiveFault> {
    const fault = (await this.stored()).find((f) => f.id === id);
    if (!fault) throw new FedsimError(`No fault ${id} is active in ${this.fed.name}; \`fedsim faults\` lists those that are.`);
    const kind = kindOf(fault.spec.kind);
    if (!kind.updatable)
      throw new FedsimError(
        `A ${kind.name} fault has no parameters to change while it is active; \`fedsim heal ${id}\` undoes it, then inject another.`,
      );
    if (!Object.keys(changes).length)
      throw new FedsimError(`Give the parameters of fault ${id} to change (${kind.name} takes ${Object.keys(kind.params).join(', ')}).`);
    const spec = parseFault({ ...fault.spec, ...changes });
    const effects = effectsOf(this.fed.plan, spec, id);
    if (touchedBy(effects) !== touchedBy(fault.effects))
      throw new FedsimError(`That change would move fault ${id} to other nodes; \`fedsim heal ${id}\` undoes it, then inject another.`);
    await Promise.all([
      ...effects.toxics.map((t) => this.gateway(t.gateway).updateToxic(t.proxy, t.toxic.name, t.toxic.attributes)),
      ...(effects.limits ?? []).map((l) => setLimits(this.engine, l)),
      ...(effects.clocks ?? []).map((c) =>
        this.moveClock(c, fault.effects.clocks?.find((o) => o.container === c.container)?.offsetSeconds ?? 0),
      ),
    ]);
    const updated: StoredFault = { ...fault, spec, effects };
    // A record is a volume's labels, which cannot change: replaced. Heal needs no record meanwhile.
    await this.drop(id);
    await this.store(updated);
    this.say(
      `fault ${id}: now ${describeFault({ kind: spec.kind, target: spec.target, params: paramsOf(spec), nodes: touchedNodes(effects) })}`,
    );
    return { ...updated, overdue: updated.until !== undefined && Date.parse(updated.until) < Date.now() };
  }

  /**
   * Removes a fault's effects (except what another active fault still holds) and its record. Every
   * removal is tried; the record goes even if one failed (heal restores the declared state without
   * records), and the first failure is then thrown.
   */
  private async revert(id: string, e: Effects): Promise<void> {
    const others = (await this.stored()).filter((f) => f.id !== id);
    const heldProxies = new Set(others.flatMap((f) => f.effects.disabled.map((p) => `${p.gateway}/${p.proxy}`)));
    const heldNodes = new Set(others.flatMap((f) => f.effects.nodes.map((n) => n.node)));
    // A node another active fault also limits or skews gets that fault's setting back, not the plan's.
    const otherLimit = new Map(others.flatMap((f) => (f.effects.limits ?? []).map((l) => [l.container, l] as const)));
    const otherClock = new Map(others.flatMap((f) => (f.effects.clocks ?? []).map((c) => [c.container, c] as const)));
    const results = await Promise.allSettled([
      ...(e.packets ?? []).map((p) => deletePacketRules(this.engine, p)),
      ...(e.limits ?? []).map(async (l) => {
        await restoreLimits(this.engine, l);
        const other = otherLimit.get(l.container);
        if (other) await setLimits(this.engine, other);
      }),
      ...(e.clocks ?? []).map((c) => this.moveClock(otherClock.get(c.container) ?? { ...c, offsetSeconds: 0 }, c.offsetSeconds)),
      ...e.toxics.map((t) => this.gateway(t.gateway).removeToxic(t.proxy, t.toxic.name)),
      ...e.disabled
        .filter((p) => !heldProxies.has(`${p.gateway}/${p.proxy}`))
        .map((p) => this.gateway(p.gateway).setEnabled(p.proxy, true)),
      ...e.nodes.filter((n) => !heldNodes.has(n.node)).map((n) => restoreNode(this.engine, n.container)),
      ...(e.members ?? []).map((m) => revertMember(this.engine, this.fed.plan, m, this.say)),
    ]);
    await this.drop(id);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** The record of a fault this process injected, marked undone and logged. */
  private finish(id: string): FaultRecord | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    record.undone = this.clock.at();
    this.log?.write(record);
    this.say(`fault ${id}: ${describeFault(record)} undone`);
    this.watchAnswering(record);
    return record;
  }

  /**
   * Probes each database node the fault acted on at its own address (the host reaches the
   * container networks; no gateway, no driver session) until all answer CQL, then stamps the
   * record's `answering`: when the database was back, whatever its clients did.
   */
  private watchAnswering(record: FaultRecord): void {
    const mine = new Set(record.nodes);
    const nodes = this.fed.plan.nodes.filter((n) => mine.has(n.name));
    if (!this.probeAnswering || !nodes.length || record.undone === undefined) return;
    const signal = this.probing.signal;
    const probe = async (address: string): Promise<boolean> => {
      const answering = cqlProbe(`${address} to answer CQL`, `${address}:9042`, 500);
      // Aborted (the run ends) is not answering: nothing is stamped.
      const outcome = await waitUntil(answering, { timeoutMs: ANSWERING_LIMIT_MS, everyMs: ANSWERING_PROBE_MS, signal }).catch(
        () => undefined,
      );
      return outcome?.ready ?? false;
    };
    const running = Promise.all(nodes.map((n) => probe(n.address))).then((answered) => {
      if (!answered.every(Boolean)) return;
      record.answering = this.clock.at();
      this.log?.write(record);
      this.say(
        `fault ${record.id}: its nodes answer CQL again, ${((record.answering.t - record.undone!.t) / 1000).toFixed(1)} s after the undo`,
      );
    });
    this.probes.add(running);
    void running.finally(() => this.probes.delete(running));
  }

  /** Resolves once every probe of nodes answering again has ended. */
  async settled(): Promise<void> {
    while (this.probes.size) await Promise.all([...this.probes]);
  }

  /** Every active fault of the federation, whichever process injected it. */
  async active(): Promise<ActiveFault[]> {
    const now = Date.now();
    return (await this.stored()).map((f) => ({ ...f, overdue: f.until !== undefined && Date.parse(f.until) < now }));
  }

  /**
   * Undoes everything: every toxic but the baselines removed (and changed baselines restored),
   * every proxy enabled, every node and service replica running and unpaused, every fault record
   * dropped; then waits until every node answers CQL and sees its cluster whole (up to `waitMs`),
   * and every replica is ready by its service's readiness value.
   */
  async heal(opts: { waitMs?: number; signal?: AbortSignal } = {}): Promise<HealReport> {
    const t0 = performance.now();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const stored = await this.stored();
    const report: HealReport = {
      faults: stored.length,
      toxicsRemoved: 0,
      baselinesRestored: 0,
      proxiesEnabled: 0,
      nodesStarted: [],
      nodesUnpaused: [],
      rulesRemoved: 0,
      limitsRestored: [],
      clocksReset: [],
      nodesRemoved: [],
      seconds: 0,
    };
    await Promise.all(this.fed.plan.gateways.map((gw) => this.healGateway(gw.region, report)));
    await Promise.all(
      [...this.fed.plan.nodes, ...this.fed.plan.replicas].map(async (n) => {
        const done = await restoreNode(this.engine, n.container);
        if (done === 'started') report.nodesStarted.push(n.name);
        if (done === 'unpaused') report.nodesUnpaused.push(n.name);
      }),
    );
    // After the nodes run again: a paused node's rules and clock can only be reached once it runs.
    await this.healHosts(report);
    // Nodes the plan does not have leave once the planned ones run (they stream their ranges to them).
    report.nodesRemoved = await sweepAddedNodes(this.engine, this.fed.plan, this.say);
    for (const f of stored) {
      await this.drop(f.id);
      this.finish(f.id);
    }
    // A decommissioned node comes back empty and bootstraps before it answers: streaming takes longer.
    const membership = stored.some((f) => f.effects.members?.length);
    await waitUntilAnswering(this.fed, {
      timeoutMs: opts.waitMs ?? (membership ? MEMBERSHIP_LIMIT_MS : 180_000),
      signal: opts.signal,
      say: this.say,
    });
    await clearMembershipMarkers(this.engine, this.fed.plan);
    await waitForServices(this.engine, this.fed.plan, { signal: opts.signal, say: this.say });
    report.seconds = (performance.now() - t0) / 1000;
    return report;
  }

  /**
   * What loss, stress and clock faults leave in containers, found there rather than in records: fault
   * rules in every gateway, node and replica namespace, cgroup limits other than the plan's, clock
   * offsets other than zero. Limits first: a node starved of CPU would answer the rest slowly.
   */
  private async healHosts(report: HealReport): Promise<void> {
    const plan = this.fed.plan;
    await Promise.all(
      [...plan.nodes.map((n) => [n, n.memoryMb] as const), ...plan.replicas.map((r) => [r, undefined] as const)].map(
        async ([n, memoryMb]) => {
          if (await sweepLimits(this.engine, n.container, memoryMb)) report.limitsRestored.push(n.name);
        },
      ),
    );
    const namespaces = [
      ...plan.gateways.map((g) => g.container),
      ...plan.nodes.map((n) => n.container),
      ...plan.replicas.map((r) => r.netns),
    ];
    const removed = await Promise.all(namespaces.map((c) => sweepPacketRules(this.engine, c)));
    report.rulesRemoved = removed.reduce((a, b) => a + b, 0);
    await Promise.all(
      plan.nodes
        .filter((n) => n.flavor === 'cassandra')
        .map(async (n) => {
          if (await sweepClock(this.engine, n.container)) report.clocksReset.push(n.name);
        }),
    );
  }

  private async healGateway(region: string, report: HealReport): Promise<void> {
    const gw = this.fed.plan.gateways.find((g) => g.region === region)!;
    const api = this.gateway(region);
    const present = new Map((await api.proxies()).map((p) => [p.name, p]));
    await Promise.all(
      gw.proxies.map(async (planned) => {
        const p = present.get(planned.name);
        if (!p)
          throw new FedsimError(`The gateway of ${region} has lost its proxy ${planned.name}; take the federation down and up again.`);
        for (const t of p.toxics) {
          const baseline = planned.toxics.find((b) => b.name === t.name);
          const same =
            baseline && baseline.stream === t.stream && Object.entries(baseline.attributes).every(([k, v]) => t.attributes[k] === v);
          if (same) continue;
          await api.removeToxic(p.name, t.name);
          if (t.name.startsWith(FAULT_TOXIC_PREFIX) || !baseline) report.toxicsRemoved++;
        }
        for (const b of planned.toxics) {
          const t = p.toxics.find((x) => x.name === b.name);
          const same = t && t.stream === b.stream && Object.entries(b.attributes).every(([k, v]) => t.attributes[k] === v);
          if (same) continue;
          await api.addToxic(p.name, b);
          report.baselinesRestored++;
        }
        if (!p.enabled) {
          await api.setEnabled(p.name, true);
          report.proxiesEnabled++;
        }
      }),
    );
  }

  /** Stops this process's timers and probes without undoing anything (the faults stay until heal). */
  release(): void {
    this.probing.abort();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private volumeName(id: string): string {
    return `fedsim-${this.fed.name}-fault-${id}`;
  }

  private async store(f: StoredFault): Promise<void> {
    await this.engine.createVolume(
      this.volumeName(f.id),
      federationLabels(this.fed.name, { [LABEL.role]: 'fault', [LABEL.fault]: JSON.stringify(f) }),
    );
  }

  private async drop(id: string): Promise<void> {
    await this.engine.removeVolume(this.volumeName(id));
  }

  private async stored(): Promise<StoredFault[]> {
    const volumes = await this.engine.volumes({ label: [`${LABEL.federation}=${this.fed.name}`, `${LABEL.role}=fault`] });
    return volumes
      .map((v) => JSON.parse(v.labels[LABEL.fault] ?? 'null') as StoredFault | null)
      .filter((f): f is StoredFault => f !== null)
      .sort((a, b) => a.asked.localeCompare(b.asked));
  }
}

/** What a fault's effects act on, whatever values they set: an update must keep it. */
function touchedBy(e: Effects): string {
  return JSON.stringify([
    e.toxics.map((t) => [t.gateway, t.proxy, t.toxic.name, t.toxic.type]),
    e.disabled,
    e.nodes,
    (e.packets ?? []).map((p) => p.container),
    (e.limits ?? []).map((l) => l.container),
    (e.clocks ?? []).map((c) => c.container),
  ]);
}

/** "latency us-east-1->eu-west-1 (latency 150, jitter 10) for 30s", for logs and listings. */
export function describeFault(f: {
  kind: string;
  target: string;
  params: Record<string, unknown>;
  forMs?: number;
  nodes?: string[];
}): string {
  const params = Object.entries(f.params)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const nodes = f.nodes?.length && f.nodes.join(',') !== f.target ? ` [${f.nodes.join(', ')}]` : '';
  return `${f.kind} ${f.target}${nodes}${params ? ` (${params})` : ''}${f.forMs !== undefined ? ` for ${f.forMs / 1000}s` : ''}`;
}
