import { FedsimError, reason } from '../../errors.js';
import type { Plan, ReplicaPlan, ServicePlan } from '../../topology/plan.js';
import type { Readiness } from '../../topology/schema.js';
import type { ContainerSpec, Engine } from '../engine.js';
import { federationLabels, LABEL } from '../labels.js';
import { netnsContainerSpec, netnsImage, startNetns } from '../netns.js';
import { commandProbe, httpProbe, logProbe, tcpProbe } from '../readiness.js';
import type { Probe } from '../wait.js';
import type { ComponentRecord } from './record.js';

/**
 * A replica of the user's service (a VictoriaMetrics recipe's too): its image is the service's own
 * (pulled, built or a recipe's, resolved by runtime/services.ts), and it runs in a network namespace
 * of fedsim's, made first, that holds its address, its published ports and its DNAT rules: the user's
 * image needs neither iptables nor privileges, and a replica restarted keeps its rules.
 */
export const replica: ComponentRecord<ReplicaPlan> = {
  container: (plan, r, image) => replicaContainerSpec(plan, r, serviceOf(plan, r), image.ref),
  before: (engine, plan, r, signal) => startNamespace(engine, plan, r, signal),
  readiness: async (engine, plan, r) => {
    const s = serviceOf(plan, r);
    const running: Probe = {
      what: `${r.name} running`,
      check: async () => ((await engine.inspect(r.container)).running ? undefined : 'it is not running'),
    };
    const probe = s.ready ? readinessProbe(engine, r, s.ready) : running;
    return {
      probe,
      timeoutMs: s.ready?.timeout ?? 60_000,
      everyMs: 50,
      required: true,
      notReady: ({ last, exit, timeoutMs }) =>
        exit
          ? `Service replica ${r.name} exited (code ${exit.code}${exit.oom ? ', out of memory' : ''}) before it was ready`
          : `Service replica ${r.name} was not ready within ${(timeoutMs / 1000).toFixed(0)} s (${probe.what}: ${last})`,
    };
  },
};

const serviceOf = (plan: Plan, r: ReplicaPlan): ServicePlan => plan.services.find((s) => s.name === r.service)!;

function replicaContainerSpec(plan: Plan, r: ReplicaPlan, s: ServicePlan, image: string): ContainerSpec {
  return {
    name: r.container,
    Image: image,
    ...(s.command && { Cmd: s.command }),
    Env: Object.entries(r.env).map(([k, v]) => `${k}=${v}`),
    Labels: federationLabels(plan.federation, {
      [LABEL.role]: 'service',
      [LABEL.region]: r.region,
      [LABEL.service]: r.service,
      [LABEL.node]: r.name,
    }),
    HostConfig: { NetworkMode: `container:${r.netns}` },
  };
}

/** The probe a replica's readiness value stands for; tcp and http are tried from the host at the replica's address. */
function readinessProbe(engine: Engine, r: ReplicaPlan, ready: Readiness): Probe {
  if (ready.tcp !== undefined) return tcpProbe(r.address, ready.tcp);
  if (ready.http) return httpProbe(`http://${r.address}:${ready.http.port}${ready.http.path}`, ready.http.status);
  if (ready.command) return commandProbe(engine, r.container, ready.command);
  return logProbe(engine, r.container, ready.log!);
}

/** The replica's network namespace, made and started with its rules in; a port already taken is said in one sentence. */
async function startNamespace(engine: Engine, plan: Plan, r: ReplicaPlan, signal?: AbortSignal): Promise<void> {
  await engine.create(
    netnsContainerSpec(
      plan,
      {
        container: r.netns,
        region: r.region,
        address: r.address,
        dnat: r.dnat,
        hostname: r.name,
        hosts: r.hosts,
        ports: r.ports,
        labels: { [LABEL.role]: 'netns', [LABEL.service]: r.service, [LABEL.node]: r.name },
      },
      await netnsImage(engine, () => undefined),
    ),
  );
  try {
    await startNetns(engine, r.netns, signal);
  } catch (err) {
    if (/already allocated|address already in use/i.test(reason(err))) {
      const fixed = r.ports.find((p) => p.host !== undefined && reason(err).includes(`:${p.host}`));
      throw new FedsimError(
        `Service ${r.service}: port 127.0.0.1:${fixed?.host ?? '?'} is already taken on this machine; free it, or leave out host: so the engine picks a free one.`,
      );
    }
    throw err;
  }
}
