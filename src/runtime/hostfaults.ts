import { sleep } from '../common/sleep.js';
import { FedsimError } from '../errors.js';
import { type ClockEffect, FAULT_RULE_PREFIX, type LimitEffect, type PacketEffect } from '../faults/effects.js';
import { nodeClock } from './cql.js';
import type { Engine } from './engine.js';
import { waitUntil } from './wait.js';

/**
 * Faults below the gateway's proxies, in a container's own kernel state: iptables rules in its
 * network namespace (loss), cgroup limits (stress), the offset file libfaketime follows (clock).
 * Each has its inverse here, and a sweep that heal runs without records.
 */

/** A shell command in a running container (fedsim's images run as root, holding NET_ADMIN where rules go). */
export function execAsRoot(
  engine: Engine,
  container: string,
  script: string,
  timeoutMs = 20_000,
): Promise<{ code: number; output: string }> {
  return engine.exec(container, ['sh', '-c', script], timeoutMs).then((r) => ({ code: r.code, output: r.output.trim() }));
}

async function running(engine: Engine, container: string): Promise<boolean> {
  const s = await engine.inspect(container).catch(() => undefined);
  return Boolean(s?.running && !s.paused);
}

const iptables = (op: '-A' | '-D', rule: string[]) => `iptables -w ${op} ${rule.map((a) => (a === '!' ? "'!'" : a)).join(' ')}`;

/** Adds a fault's rules to a container's network namespace, all or (on a failure) none. */
export async function addPacketRules(engine: Engine, p: PacketEffect): Promise<void> {
  if (!(await running(engine, p.container))) throw new FedsimError(`Cannot drop packets at ${p.holder}: its container is not running.`);
  const r = await execAsRoot(engine, p.container, p.rules.map((rule) => iptables('-A', rule)).join(' && '));
  if (r.code !== 0) {
    await deletePacketRules(engine, p).catch(() => undefined);
    throw new FedsimError(`Could not add packet rules at ${p.holder}: ${r.output || `exit ${r.code}`}.`);
  }
}

/** Deletes a fault's rules; rules already gone (the container was restarted) are no error. */
export async function deletePacketRules(engine: Engine, p: PacketEffect): Promise<void> {
  if (!(await running(engine, p.container))) return;
  await execAsRoot(engine, p.container, p.rules.map((rule) => `${iptables('-D', rule)} 2>/dev/null`).join('; '));
}

/** Deletes every fault rule in a container's network namespace, any fault's; returns how many. */
export async function sweepPacketRules(engine: Engine, container: string): Promise<number> {
  if (!(await running(engine, container))) return 0;
  // `iptables -S` prints each rule as the arguments that add it: turn -A into -D and run them.
  const r = await execAsRoot(
    engine,
    container,
    `n=0; iptables -w -S | grep -- '--comment ${FAULT_RULE_PREFIX}' | sed 's/^-A /-D /' > /tmp/.fedsim-rules || true
     while read -r rule; do eval "iptables -w $rule" && n=$((n+1)); done < /tmp/.fedsim-rules; rm -f /tmp/.fedsim-rules; echo $n`,
  );
  if (r.code !== 0) throw new FedsimError(`Could not remove the fault rules of ${container}: ${r.output}.`);
  return Number(r.output.split('\n').pop()) || 0;
}

/** The fault rules present in a container's network namespace (for tests and listings). */
export async function packetRules(engine: Engine, container: string): Promise<string[]> {
  const r = await execAsRoot(engine, container, `iptables -w -S | grep -- '--comment ${FAULT_RULE_PREFIX}' || true`);
  return r.output ? r.output.split('\n') : [];
}

const CPU_PERIOD = 100_000;
const MIB = 1024 * 1024;

/** Sets a stress fault's cgroup limits on a running container. */
export async function setLimits(engine: Engine, l: LimitEffect): Promise<void> {
  try {
    await engine.updateLimits(l.container, {
      ...(l.cpus !== undefined && { cpuPeriod: CPU_PERIOD, cpuQuota: Math.max(1000, Math.round(l.cpus * CPU_PERIOD)) }),
      ...(l.memoryMb !== undefined && { memoryBytes: l.memoryMb * MIB }),
    });
  } catch (err) {
    const text = (err as { json?: { message?: string } }).json?.message ?? String(err);
    const usage = /current usage: (\d+)/.exec(text)?.[1];
    throw new FedsimError(
      usage
        ? `${l.node} uses ${Math.ceil(Number(usage) / MIB)} MiB that the kernel cannot reclaim, more than the ${l.memoryMb} MiB asked for (give more MiB)`
        : `Could not limit ${l.node}: ${text}`,
    );
  }
}

/** The planned limits again: no CPU quota (-1 clears it; 0 would mean "unchanged"), the planned memory. */
export async function restoreLimits(
  engine: Engine,
  l: Pick<LimitEffect, 'container' | 'cpus' | 'memoryMb' | 'plannedMemoryMb'>,
): Promise<void> {
  await engine.updateLimits(l.container, {
    ...(l.cpus !== undefined && { cpuQuota: -1 }),
    ...(l.memoryMb !== undefined && l.plannedMemoryMb !== undefined && { memoryBytes: l.plannedMemoryMb * MIB }),
  });
}

/** Restores a container's planned limits if a fault left others; true when something changed. */
export async function sweepLimits(engine: Engine, container: string, plannedMemoryMb?: number): Promise<boolean> {
  const now = await engine.limits(container).catch(() => undefined);
  if (!now) return false;
  const cpu = now.cpuQuota > 0;
  const memory = plannedMemoryMb !== undefined && now.memoryBytes !== plannedMemoryMb * MIB;
  if (!cpu && !memory) return false;
  await restoreLimits(engine, { container, ...(cpu && { cpus: 1 }), ...(memory && { memoryMb: 0, plannedMemoryMb }) });
  return true;
}

/** The file libfaketime follows in a node (written by the image's entrypoint as +0). */
export const CLOCK_FILE = '/run/fedsim-clock';

/** Writes a node's clock offset; libfaketime reads it within a second. */
export async function setClock(engine: Engine, c: Pick<ClockEffect, 'node' | 'container' | 'offsetSeconds'>): Promise<void> {
  if (!(await running(engine, c.container))) throw new FedsimError(`Cannot move the clock of ${c.node}: its container is not running.`);
  const offset = `${c.offsetSeconds >= 0 ? '+' : ''}${c.offsetSeconds}`;
  const r = await execAsRoot(engine, c.container, `test -e ${CLOCK_FILE} && echo '${offset}' > ${CLOCK_FILE}`);
  if (r.code !== 0)
    throw new FedsimError(
      `${c.node} has no ${CLOCK_FILE}: its image predates clock faults (run \`fedsim images build\` and bring it up again).`,
    );
}

/**
 * Waits until a node's clock has moved to `offsetSeconds`, written to its file at `writtenAt`
 * (performance.now()): libfaketime in the JVM reads the file again within a second
 * (FAKETIME_CACHE_DURATION=1), and Cassandra's epoch translation, which dates internode messages,
 * is refreshed every second in fedsim's image (Cassandra's default is 10 s), so two seconds after
 * the write both have moved. A clock moved ahead is also seen moving: the node's own `now()` within a
 * second of the offset. One moved back cannot be seen that way (a node never hands out a time
 * earlier than one it already gave), so the two seconds are all there is to wait.
 */
export async function clockFollows(
  c: Pick<ClockEffect, 'node' | 'offsetSeconds'> & { address: string; datacenter: string; ahead: boolean; writtenAt: number },
  signal?: AbortSignal,
): Promise<void> {
  if (c.ahead) {
    const target = c.offsetSeconds * 1000;
    const clock = nodeClock(c.address, c.datacenter);
    const moved = await waitUntil(
      {
        what: `${c.node}'s clock at ${c.offsetSeconds >= 0 ? '+' : ''}${c.offsetSeconds} s`,
        check: async () => {
          const off = await clock.offsetMs();
          return Math.abs(off - target) < 1000 ? undefined : `its clock is ${(off / 1000).toFixed(1)} s off`;
        },
      },
      { timeoutMs: 20_000, everyMs: 250, signal },
    ).finally(() => clock.close());
    if (!moved.ready) throw new FedsimError(`${c.node}'s clock did not move to ${c.offsetSeconds} s within 20 s (${moved.last}).`);
  }
  await sleep(Math.max(0, CLOCK_FOLLOWS_MS - (performance.now() - c.writtenAt)), signal);
}

/** How long after its file is written a node's clock (and its message dating) has surely moved. */
export const CLOCK_FOLLOWS_MS = 2100;

/** Sets every clock offset back to zero where one is set; true when something changed. */
export async function sweepClock(engine: Engine, container: string): Promise<boolean> {
  if (!(await running(engine, container))) return false;
  const r = await execAsRoot(
    engine,
    container,
    `test -e ${CLOCK_FILE} && ! grep -qx '+0' ${CLOCK_FILE} && echo +0 > ${CLOCK_FILE} && echo reset`,
  );
  return r.output === 'reset';
}
