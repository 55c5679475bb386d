import type { Say } from '../common/say.js';
import { FedsimError, reason } from '../errors.js';
import type { ClientPlan, DnatRule, Plan } from '../topology/plan.js';
import type { ContainerSpec, Engine } from './engine.js';
import { resolveImage } from './images.js';
import { federationLabels, LABEL } from './labels.js';
import { logProbe } from './readiness.js';
import { waitUntil } from './wait.js';

/**
 * A client network namespace of a region: a small container of fedsim's base image (it has
 * iptables) that owns an address on the region's network and, before anything else runs in it, the
 * DNAT rules that send every connection to another region's nodes and replicas through the region's
 * own gateway. A service replica joins it (`NetworkMode: container:<netns>`), as a pod's containers
 * join its sandbox, so the user's image needs neither iptables nor privileges, the rules are in place
 * before the user's process starts, and they outlive a restart of the replica. `fedsim exec` enters
 * the region's client namespace with nsenter.
 */
const READY_LINE = 'fedsim-netns-ready';

/** The shell script the holder runs: install the rules in one iptables-restore, say so, then sleep. */
export function netnsScript(dnat: DnatRule[]): string {
  const rules = dnat.map((d) => {
    const [host, port] = d.to.split(':') as [string, string];
    return `-A OUTPUT -p tcp -d ${host}/32 --dport ${port} -j DNAT --to-destination ${d.via}`;
  });
  const restore = rules.length
    ? `printf '%s\\n' '*nat' ${rules.map((r) => `'${r}'`).join(' ')} 'COMMIT' | iptables-restore --noflush; `
    : '';
  return `set -e; ${restore}echo ${READY_LINE}; exec sleep infinity`;
}

export interface NetnsSpec {
  container: string;
  region: string;
  address: string;
  dnat: DnatRule[];
  hostname: string;
  hosts?: Record<string, string>;
  ports?: { port: number; host?: number }[];
  labels: Record<string, string>;
}

export function netnsContainerSpec(plan: Plan, n: NetnsSpec, image: string): ContainerSpec {
  const network = plan.networks.find((x) => x.region === n.region)!;
  const published = (n.ports ?? []).map((p) => [`${p.port}/tcp`, p.host] as const);
  return {
    name: n.container,
    Image: image,
    Hostname: n.hostname,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [netnsScript(n.dnat)],
    Labels: federationLabels(plan.federation, { [LABEL.region]: n.region, ...n.labels }),
    ExposedPorts: Object.fromEntries(published.map(([p]) => [p, {}])),
    HostConfig: {
      CapAdd: ['NET_ADMIN'],
      Memory: 32 * 1024 * 1024,
      // The user's process shares this namespace's /etc/hosts: names of nodes, replicas and services.
      ExtraHosts: Object.entries(n.hosts ?? {}).map(([name, ip]) => `${name}:${ip}`),
      PortBindings: Object.fromEntries(
        published.map(([p, host]) => [p, [{ HostIp: '127.0.0.1', HostPort: host === undefined ? '' : String(host) }]]),
      ),
    },
    NetworkingConfig: { EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: n.address } } } },
  };
}

/** fedsim's base image, which has iptables (a registry Debian image has not, so always the local one). */
export async function netnsImage(engine: Engine, say: Say): Promise<string> {
  return (await resolveImage(engine, 'base', 'local', say)).ref;
}

/** Starts a holder and waits until its rules are in; a FedsimError with its log when they cannot be. */
export async function startNetns(engine: Engine, name: string, signal?: AbortSignal): Promise<void> {
  await engine.start(name);
  const outcome = await waitUntil(logProbe(engine, name, READY_LINE), {
    timeoutMs: 10_000,
    everyMs: 20,
    signal,
    stop: async () => {
      const s = await engine.inspect(name);
      return s.running ? undefined : `it exited (code ${s.exitCode})`;
    },
  });
  if (!outcome.ready) {
    const log = (await engine.logs(name, 5).catch(() => '')).trim();
    throw new FedsimError(`The network namespace ${name} could not set its DNAT rules: ${outcome.last}${log ? `: ${log}` : ''}`);
  }
}

/**
 * The pid of a running process in the region's client namespace, creating the namespace if it is
 * not there yet (two processes may race to create it: the loser uses the winner's).
 */
export async function clientNamespace(engine: Engine, plan: Plan, client: ClientPlan, say: Say): Promise<number> {
  const pidOf = async (): Promise<number | undefined> => {
    const s = await engine.inspect(client.container).catch(() => undefined);
    return s?.running && s.pid ? s.pid : undefined;
  };
  const running = await pidOf();
  if (running) return running;
  try {
    const spec = netnsContainerSpec(
      plan,
      {
        container: client.container,
        region: client.region,
        address: client.address,
        dnat: client.dnat,
        hostname: `client-${client.region}`,
        labels: { [LABEL.role]: 'client', [LABEL.node]: `client-${client.region}` },
      },
      await netnsImage(engine, say),
    );
    await engine.create(spec);
    await startNetns(engine, client.container);
  } catch (err) {
    // Created meanwhile by another process, or left stopped: start it if needed and use it.
    if (!/already in use|Conflict/i.test(reason(err))) throw err;
    const s = await engine.inspect(client.container);
    if (!s.running) await startNetns(engine, client.container);
    else await waitUntil(logProbe(engine, client.container, READY_LINE), { timeoutMs: 10_000, everyMs: 20 });
  }
  const pid = await pidOf();
  if (!pid) throw new FedsimError(`The client namespace of ${client.region} (${client.container}) is not running.`);
  return pid;
}
