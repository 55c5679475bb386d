import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot as root } from '../../src/paths.js';
import { gateway, MONITORING, nodeRecord, replica } from '../../src/runtime/components/index.js';
import { nodeBase } from '../../src/runtime/components/node.js';
import type { ResolvedImage } from '../../src/runtime/images.js';
import { LABEL } from '../../src/runtime/labels.js';
import { loadTopology } from '../../src/topology/file.js';
import { type Plan, planFederation } from '../../src/topology/plan.js';

const image = (component: ResolvedImage['component'], source: ResolvedImage['source'] = 'local'): ResolvedImage => ({
  component,
  ref: `img-${component}`,
  source,
  how: 'present',
});

/** Every container a record would create for a plan, with the networks it ends up on (home and joined). */
function containers(plan: Plan) {
  const out = [
    ...plan.nodes.map((n) => ({
      part: n.name,
      record: nodeRecord(image(n.flavor)),
      spec: nodeRecord(image(n.flavor)).container(plan, n, image(n.flavor)),
      joins: {},
    })),
    ...plan.gateways.map((gw) => {
      const part = { ...gw, topologyJson: '{}' };
      return {
        part: gw.container,
        record: gateway,
        spec: gateway.container(plan, part, image('toxiproxy')),
        joins: gateway.joins!(plan, part),
      };
    }),
    ...MONITORING.map(({ record }) => ({
      part: record.image,
      record,
      spec: record.container(plan, undefined, image(record.image, 'registry')),
      joins: record.joins?.(plan, undefined) ?? {},
    })),
  ];
  return out.map((c) => ({
    ...c,
    networks: {
      ...Object.fromEntries(Object.entries(c.spec.NetworkingConfig!.EndpointsConfig!).map(([n, e]) => [n, e.IPAMConfig!.IPv4Address])),
      ...c.joins,
    },
  }));
}

describe("a service's replica is a record too", () => {
  const plan = planFederation(loadTopology(join(root, 'topologies/victoria-metrics.yaml')), 'rec', 3);

  it("runs its service's own image in its network namespace, labelled, with its region's view and its command", () => {
    expect(replica.image).toBeUndefined();
    expect(replica.before).toBeDefined();
    for (const r of plan.replicas) {
      const s = plan.services.find((x) => x.name === r.service)!;
      const spec = replica.container(plan, r, { ref: 'svc-image', source: 'local' });
      expect(spec.name).toBe(r.container);
      expect(spec.Image).toBe('svc-image');
      expect(spec.HostConfig?.NetworkMode).toBe(`container:${r.netns}`);
      expect(spec.Cmd).toEqual(s.command);
      expect(spec.Labels).toMatchObject({
        [LABEL.federation]: 'rec',
        [LABEL.role]: 'service',
        [LABEL.service]: r.service,
        [LABEL.region]: r.region,
      });
      expect(spec.Env).toEqual(Object.entries(r.env).map(([k, v]) => `${k}=${v}`));
    }
  });

  it("awaits the readiness value of its service's schema, and says which replica was not ready and why", async () => {
    const r = plan.replicas.find((x) => x.service === 'vm-central')!;
    const ready = await replica.readiness({} as never, plan, r);
    expect([ready.probe.what, ready.timeoutMs, ready.required]).toEqual([`http://${r.address}:8428/health answering 200`, 60_000, true]);
    expect(ready.notReady({ last: 'connection refused', timeoutMs: 60_000 })).toBe(
      `Service replica ${r.name} was not ready within 60 s (http://${r.address}:8428/health answering 200: connection refused)`,
    );
    expect(ready.notReady({ last: '', exit: { code: 3, oom: false }, timeoutMs: 60_000 })).toBe(
      `Service replica ${r.name} exited (code 3) before it was ready`,
    );
  });
});

describe('component records: each container from the plan', () => {
  const plans = ['two-region-federation', 'three-region-federation', 'stretched-pair'].map((t) => {
    const topology = loadTopology(join(root, `topologies/${t}.yaml`));
    return { name: t, plan: planFederation({ ...topology, monitoring: true }, 'rec', 3) };
  });

  it.each(plans)('$name: every container is labelled with its federation and role, at the address the plan gives it', ({ plan }) => {
    const all = containers(plan);
    expect(new Set(all.map((c) => c.spec.name)).size).toBe(all.length);
    for (const c of all) {
      expect(c.spec.Labels![LABEL.federation], c.part).toBe('rec');
      expect(c.spec.Labels![LABEL.managed], c.part).toBe('true');
      expect(c.spec.Labels![LABEL.role], c.part).toBeTruthy();
      // Every address is one the plan holds, on the network of its region.
      for (const [network, address] of Object.entries(c.networks)) {
        const net = plan.networks.find((n) => n.name === network)!;
        expect(address!.startsWith(net.subnet.replace(/\.0\/24$/, '.')), `${c.part} on ${network}`).toBe(true);
      }
    }
    const addresses = all.flatMap((c) => Object.values(c.networks));
    expect(new Set(addresses).size).toBe(addresses.length);
  });

  it.each(plans)('$name: gateways, Prometheus and Alertmanager join every region; nodes and Grafana stay on their own', ({ plan }) => {
    const all = containers(plan);
    const on = (name: string) => Object.keys(all.find((c) => c.spec.name === name)!.networks).length;
    for (const gw of plan.gateways) expect(on(gw.container)).toBe(plan.networks.length);
    expect(on(plan.monitoring!.prometheus.container)).toBe(plan.networks.length);
    expect(on(plan.monitoring!.alertmanager.container)).toBe(plan.networks.length);
    expect(on(plan.monitoring!.grafana.container)).toBe(1);
    for (const n of plan.nodes) expect(on(n.container)).toBe(1);
  });

  it('a node runs as its image says: Scylla flags for a Scylla image, FEDSIM_* for Cassandra standing in', () => {
    const plan = plans[0]!.plan;
    const node = plan.nodes[0]!;
    const scylla = nodeRecord(image('scylla', 'registry')).container(plan, node, image('scylla', 'registry'));
    const standIn = nodeRecord(image('cassandra')).container(plan, node, image('cassandra'));
    expect(scylla.Cmd![0]).toMatch(/exec \/docker-entrypoint\.py .*--listen-address /);
    expect(scylla.Env).toBeUndefined();
    expect(standIn.Env).toContain(`FEDSIM_ADDRESS=${node.address}`);
    // What differs is only how the process is told; the rest is the node's.
    const { Cmd, Entrypoint, ...scyllaRest } = scylla;
    const { Env, ...standInRest } = standIn;
    expect({ ...scyllaRest, Image: '' }).toEqual({ ...standInRest, Image: '' });
    expect(standInRest).toEqual(nodeBase(plan, node, 'img-cassandra'));
  });

  it("Prometheus's command follows its image: the local image's entrypoint is the whole command, the registry's takes flags", () => {
    const plan = plans[0]!.plan;
    const prometheus = MONITORING.find((m) => m.record.image === 'prometheus')!.record;
    const local = prometheus.container(plan, undefined, image('prometheus', 'local'));
    const registry = prometheus.container(plan, undefined, image('prometheus', 'registry'));
    expect(local.Entrypoint![0]).toBe('/usr/bin/prometheus');
    expect(registry.Entrypoint).toBeUndefined();
    expect(registry.Cmd).toEqual(local.Entrypoint!.slice(1));
  });

  it('only Grafana may be missing, and its files carry the dashboard and the Prometheus datasource', () => {
    expect(MONITORING.filter((m) => m.optional).map((m) => m.record.image)).toEqual(['grafana']);
    const grafana = MONITORING.find((m) => m.optional)!.record;
    const files = grafana.files!(plans[0]!.plan, undefined);
    expect(files.dir).toBe('/etc/grafana');
    expect(Object.keys(files.files).some((f) => f.startsWith('dashboards/'))).toBe(true);
    expect(Object.keys(files.files).some((f) => f.startsWith('provisioning/datasources/'))).toBe(true);
  });
});
