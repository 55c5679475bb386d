import { parseDuration } from '../common/duration.js';
import { FedsimError } from '../errors.js';
import { up } from '../runtime/bringup.js';
import type { ContainerSummary } from '../runtime/engine.js';
import { imageSourceFrom } from '../runtime/images.js';
import { LABEL, labelFilter } from '../runtime/labels.js';
import { federationNames, removeFederation } from '../runtime/removal.js';
import { nodeStateOfContainer } from '../runtime/watch.js';
import { loadTopology } from '../topology/file.js';
import { ALERTMANAGER_PORT, GATEWAY_API_PORT, GRAFANA_PORT, PROMETHEUS_PORT, planFederation } from '../topology/plan.js';
import { TopologySchema } from '../topology/schema.js';
import type { CommandContext } from './context.js';
import { endpointsText, type RegionEndpoints, regionEndpoints } from './endpoints.js';
import { type EngineOptions, onKubernetes } from './engine.js';

/**
 * The Kubernetes commands, loaded only when asked for (the client is large). Their results are
 * lines only, except `status --json`: a --json they cannot honour is refused.
 */
const kubeCommands = (opts: { json?: boolean } = {}) => {
  if (opts.json) throw new FedsimError('--json is not there yet with --engine kubernetes (only `status --json` is).');
  return import('./kube.js');
};

/** `fedsim up FILE [--name N]`: brings the federation up and leaves it running. */
export async function upCommand(
  ctx: CommandContext,
  file: string,
  opts: EngineOptions & { name?: string; imageSource?: string; nodeTimeout?: string; json?: boolean },
): Promise<void> {
  if (onKubernetes(opts)) return (await kubeCommands(opts)).kubeUpCommand(ctx, file, opts);
  const nodeTimeoutMs = parseDuration(opts.nodeTimeout ?? '180s');
  if (nodeTimeoutMs === undefined || nodeTimeoutMs <= 0)
    throw new FedsimError(`--node-timeout expects a duration such as 90s or 5m, got "${opts.nodeTimeout}".`);
  const topology = loadTopology(file);
  const engine = await ctx.engine();
  const t0 = Date.now();
  const fed = await up(engine, topology, {
    name: opts.name,
    nodeTimeoutMs,
    imageSource: imageSourceFrom(opts.imageSource),
    say: ctx.say,
    signal: ctx.interrupt().signal,
  });
  const seconds = Number(((Date.now() - t0) / 1000).toFixed(1));
  let regions: RegionEndpoints[];
  try {
    regions = await regionEndpoints(fed);
  } finally {
    await fed.close();
  }
  if (opts.json) {
    ctx.out(`${JSON.stringify({ federation: fed.name, seconds, regions }, null, 2)}\n`);
    return;
  }
  ctx.out(endpointsText(regions));
  ctx.out(`federation ${fed.name} is up (${seconds} s); \`fedsim status ${fed.name}\` shows it, \`fedsim down ${fed.name}\` removes it\n`);
}

interface NodeStatus {
  name: string;
  role: string;
  region: string;
  cluster?: string;
  /** A service replica's service. */
  service?: string;
  state: string;
  ports: string[];
}

/** `fedsim status [NAME] [--json]`: federations running, their containers with state and ports. */
export async function statusCommand(
  ctx: CommandContext,
  name: string | undefined,
  opts: EngineOptions & { json?: boolean },
): Promise<void> {
  if (onKubernetes(opts)) return (await kubeCommands()).kubeStatusCommand(ctx, name, opts);
  const engine = await ctx.engine();
  const names = name ? [name] : await federationNames(engine);
  const out: { name: string; containers: NodeStatus[]; urls?: Record<string, string> }[] = [];
  for (const n of names) {
    const containers = await engine.containers(labelFilter(n));
    if (name && containers.length === 0)
      throw new FedsimError(`No federation named ${name} is up; \`fedsim status\` lists those that are.`);
    // A gateway's ports, named by the proxy they lead to (the plan travels on the gateway's labels).
    const gw = containers.find((c) => c.labels[LABEL.role] === 'gateway' && c.labels[LABEL.topology]);
    const plan = gw
      ? (() => {
          try {
            return planFederation(TopologySchema.parse(JSON.parse(gw.labels[LABEL.topology]!)), n, Number(gw.labels[LABEL.slot]));
          } catch {
            return undefined;
          }
        })()
      : undefined;
    const gatewayPort = (region: string, port: number): string => {
      if (port === GATEWAY_API_PORT) return 'toxiproxy api';
      const proxy = plan?.gateways.find((g) => g.region === region)?.proxies.find((p) => p.listenPort === port);
      return proxy ? `${proxy.kind} ${proxy.node}` : String(port);
    };
    // A replica's ports are published by its network namespace: shown on the replica's line, named.
    const publishedBy = new Map(
      containers
        .filter((c) => c.labels[LABEL.role] === 'netns')
        .map((c) => [
          c.labels[LABEL.node],
          c.ports.filter((p) => p.published).map((p) => `${p.ip}:${p.published}->${c.labels[LABEL.service]}:${p.private}`),
        ]),
    );
    out.push({
      name: n,
      containers: containers
        .filter((c) => c.labels[LABEL.role] !== 'netns')
        .map((c) => ({
          name: c.labels[LABEL.node] ?? c.name,
          role: c.labels[LABEL.role] ?? '?',
          region: c.labels[LABEL.region] ?? '',
          cluster: c.labels[LABEL.cluster],
          service: c.labels[LABEL.service],
          state: nodeStateOfContainer(c.state),
          ports:
            c.labels[LABEL.role] === 'service'
              ? (publishedBy.get(c.labels[LABEL.node]) ?? [])
              : c.ports
                  .filter((p) => p.published)
                  .map(
                    (p) =>
                      `${p.ip}:${p.published}->${c.labels[LABEL.role] === 'gateway' ? gatewayPort(c.labels[LABEL.region] ?? '', p.private) : p.private}`,
                  ),
        }))
        .sort((a, b) => a.role.localeCompare(b.role) || a.name.localeCompare(b.name)),
      urls: monitoringUrlsOf(containers),
    });
  }
  if (opts.json) {
    ctx.out(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (!out.length) {
    ctx.out('no federation is up\n');
    return;
  }
  for (const f of out) {
    ctx.out(`federation ${f.name}\n`);
    for (const c of f.containers) {
      const where = [c.region, c.cluster, c.service].filter(Boolean).join(' ');
      ctx.out(
        `  ${c.state.padEnd(6)} ${c.role.padEnd(12)} ${c.name.padEnd(28)} ${where.padEnd(24)} ${c.ports.slice(0, 3).join(' ')}${c.ports.length > 3 ? ` +${c.ports.length - 3}` : ''}\n`,
      );
    }
    for (const [what, url] of Object.entries(f.urls ?? {})) ctx.out(`  ${what.padEnd(13)} ${url}\n`);
  }
}

/** Prometheus' and Alertmanager's URLs on this machine, for a monitored federation. */
function monitoringUrlsOf(containers: ContainerSummary[]): Record<string, string> | undefined {
  const url = (role: string, port: number) => {
    const c = containers.find((x) => x.labels[LABEL.role] === role);
    const p = c?.ports.find((x) => x.private === port && x.published);
    return p ? `http://127.0.0.1:${p.published}` : c ? `(${c.state})` : undefined;
  };
  const prometheus = url('prometheus', PROMETHEUS_PORT);
  if (!prometheus) return undefined;
  return {
    prometheus,
    alertmanager: url('alertmanager', ALERTMANAGER_PORT) ?? '(missing)',
    grafana: url('grafana', GRAFANA_PORT) ?? 'not run: no Grafana image can be had here (docker/grafana/README.md)',
  };
}

/** `fedsim down NAME | --all`: removes everything labelled with the federation; idempotent. */
export async function downCommand(
  ctx: CommandContext,
  name: string | undefined,
  opts: EngineOptions & { all?: boolean; json?: boolean },
): Promise<void> {
  if (onKubernetes(opts)) return (await kubeCommands(opts)).kubeDownCommand(ctx, name, opts);
  if (!name && !opts.all) throw new FedsimError('Name the federation to take down, or pass --all.');
  if (name && opts.all) throw new FedsimError(`Either name the federation to take down (${name}) or pass --all, not both.`);
  // A signal does not stop a removal half-way: what the user asked for is what Ctrl-C would do.
  ctx.interrupt(ctx.say, 'finishing the removal');
  const engine = await ctx.engine();
  const names = opts.all ? await federationNames(engine) : [name!];
  const removed: { federation: string; containers: number; networks: number }[] = [];
  for (const n of names) {
    const r = await removeFederation(engine, n);
    removed.push({ federation: n, containers: r.containers, networks: r.networks });
    if (opts.json) continue;
    ctx.out(
      r.containers + r.networks
        ? `federation ${n} removed (${r.containers} containers, ${r.networks} networks)\n`
        : `federation ${n} was not up; nothing to remove\n`,
    );
  }
  if (opts.json) return ctx.out(`${JSON.stringify({ removed }, null, 2)}\n`);
  if (opts.all && !names.length) ctx.out('no federation is up; nothing to remove\n');
}

/** `fedsim gc`: removes everything fedsim ever labelled, whatever federation or run it belonged to. */
export async function gcCommand(ctx: CommandContext, opts: EngineOptions & { json?: boolean } = {}): Promise<void> {
  if (onKubernetes(opts)) return (await kubeCommands(opts)).kubeGcCommand(ctx, opts);
  ctx.interrupt(ctx.say, 'finishing the removal');
  const engine = await ctx.engine();
  const names = await federationNames(engine);
  let containers = 0;
  let networks = 0;
  for (const n of names) {
    const removed = await removeFederation(engine, n);
    containers += removed.containers;
    networks += removed.networks;
  }
  const volumes = await engine.volumes(labelFilter());
  for (const v of volumes) await engine.removeVolume(v.name, { force: true });
  if (opts.json) return ctx.out(`${JSON.stringify({ federations: names, containers, networks, volumes: volumes.length }, null, 2)}\n`);
  ctx.out(
    `gc: removed ${containers} containers, ${networks} networks, ${volumes.length} volumes${names.length ? ` of ${names.join(', ')}` : ''}\n`,
  );
}
