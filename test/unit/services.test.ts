import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../src/common/document.js';
import { effectsOf } from '../../src/faults/kinds.js';
import { selectNodes } from '../../src/faults/node.js';
import { netnsScript } from '../../src/runtime/netns.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology, TopologySchema } from '../../src/topology/schema.js';

const base = {
  shape: 'federation',
  regions: ['site-a', 'site-b'],
  links: {
    pairs: [
      { from: 'site-a', to: 'site-b', latency: '30ms' },
      { from: 'site-b', to: 'site-a', latency: '20ms' },
    ],
  },
  clusters: [
    { name: 'main', role: 'main', nodes: { 'site-a': 1 } },
    { name: 'worker-b', role: 'worker', nodes: { 'site-b': 2 } },
  ],
};
const web = {
  name: 'web',
  build: './web',
  command: 'python3 -m http.server 8080',
  regions: ['site-a', 'site-b'],
  ports: [8080],
  ready: { http: { port: 8080 }, timeout: '20s' },
  after: ['main'],
};
const tool = { name: 'tool', image: 'fedsim/base:x', regions: { 'site-a': 2 }, after: ['web'], env: { MODE: 'probe', N: 3 } };
const topology = parseTopology({ ...base, services: [web, tool] } as never);

function problem(services: unknown[]): string {
  const r = TopologySchema.safeParse({ ...base, services });
  if (r.success) throw new Error('expected the topology to be rejected');
  return describeIssues(r.error);
}

describe('services in the topology schema', () => {
  it('normalises regions, ports, command, env and readiness, and parses its own output again', () => {
    const [w, t] = topology.services;
    expect(w).toMatchObject({ regions: { 'site-a': 1, 'site-b': 1 }, ports: [{ port: 8080 }], after: ['main'] });
    expect(w?.command).toEqual(['/bin/sh', '-c', 'python3 -m http.server 8080']);
    expect(w?.ready).toEqual({ http: { port: 8080, path: '/', status: 200 }, timeout: 20_000 });
    expect(t?.env).toEqual({ MODE: 'probe', N: '3' });
    expect(parseTopology(JSON.parse(JSON.stringify(topology)))).toEqual(topology);
  });

  it.each([
    [[{ ...web, image: 'x' }], /^services\[0\]: expected exactly one of image, build or component/],
    [[{ name: 'xy', regions: ['site-a'] }], /^services\[0\]: expected exactly one of image, build or component/],
    [[{ ...web, regions: ['mars'] }], /^services\[0\]\.regions\.mars: unknown region "mars"/],
    [[{ ...web, name: 'main' }], /^services\[0\]\.name: "main" is already a cluster's name/],
    [[web, { ...tool, name: 'web' }], /^services\[1\]\.name: duplicate service name "web"/],
    [[{ ...web, after: ['nothing'] }], /^services\[0\]\.after\[0\]: unknown cluster or service "nothing"/],
    [[{ ...web, after: ['web'] }], /^services\[0\]\.after\[0\]: service "web" cannot wait for itself/],
    [[{ ...web, after: ['tool'] }, tool], /^services\[0\]\.after: services wait for each other in a cycle: web -> tool -> web/],
    [
      [{ ...web, ports: [{ port: 8080, host: 18080 }] }],
      /^services\[0\]\.ports\[0\]\.host: a fixed host port fits one replica; "web" has 2/,
    ],
    [[{ ...web, ports: [8080, 8080] }], /^services\[0\]\.ports\[1\]: port 8080 is listed twice/],
    [[{ ...web, ports: [70000] }], /^services\[0\]\.ports\[0\]: expected a port from 1 to 65535/],
    [[{ ...web, ready: { tcp: 8080, log: 'x' } }], /^services\[0\]\.ready: expected exactly one of tcp, http, command or log/],
    [[{ ...web, ready: { log: '(' } }], /^services\[0\]\.ready\.log: expected a regular expression/],
    [[{ ...web, ready: { tcp: 1, timeout: 'soon' } }], /^services\[0\]\.ready\.timeout: expected a duration/],
    [[{ ...web, env: { 'A-B': 'x' } }], /^services\[0\]\.env\.A-B: expected an environment variable name/],
    [[{ ...web, replicas: 2 }], /^services\[0\]: Unrecognized key: "replicas"/],
  ])('refuses a bad service with one line naming the field (%#)', (services, message) => {
    expect(problem(services)).toMatch(message);
  });
});

describe('services in the plan', () => {
  const plan = planFederation(topology, 'svc', 1);
  const replica = (name: string) => plan.replicas.find((r) => r.name === name)!;
  const gw = (region: string) => plan.gateways.find((g) => g.region === region)!;

  it('names and addresses replicas in their region from .150, apart from nodes, gateways and monitoring', () => {
    expect(plan.replicas.map((r) => [r.name, r.address])).toEqual([
      ['web-site-a-1', '10.213.8.150'],
      ['web-site-b-1', '10.213.9.150'],
      ['tool-site-a-1', '10.213.8.151'],
      ['tool-site-a-2', '10.213.8.152'],
    ]);
    expect(replica('web-site-a-1')).toMatchObject({ container: 'fedsim-svc-web-site-a-1', netns: 'fedsim-svc-web-site-a-1-net' });
    expect(plan.services.map((s) => [s.name, s.wave, s.replicas.length])).toEqual([
      ['web', 0, 2],
      ['tool', 1, 2],
    ]);
    const used = [...plan.nodes.map((n) => n.address), ...plan.gateways.flatMap((g) => Object.values(g.addresses))];
    for (const r of plan.replicas) expect(used).not.toContain(r.address);
  });

  it('gives each gateway a proxy with the link baseline for every port of a replica in another region, and none at home', () => {
    const toB = gw('site-a').proxies.filter((p) => p.kind === 'svc');
    expect(toB).toEqual([
      {
        name: 'svc-web-site-b-1-8080',
        kind: 'svc',
        node: 'web-site-b-1',
        toRegion: 'site-b',
        listenPort: 22001,
        upstream: '10.213.9.150:8080',
        toxics: [
          { name: 'baseline-up', type: 'latency', stream: 'upstream', attributes: { latency: 30, jitter: 0 } },
          { name: 'baseline-down', type: 'latency', stream: 'downstream', attributes: { latency: 20, jitter: 0 } },
        ],
      },
    ]);
    expect(
      gw('site-b')
        .proxies.filter((p) => p.kind === 'svc')
        .map((p) => [p.name, p.listenPort]),
    ).toEqual([['svc-web-site-a-1-8080', 22000]]);
  });

  it("redirects a replica's connections to other regions' nodes and replicas to its own gateway, and nothing at home", () => {
    const a = replica('tool-site-a-1');
    const nodeB = plan.nodes.filter((n) => n.region === 'site-b');
    const cqlB = gw('site-a').proxies.filter((p) => p.kind === 'cql' && p.toRegion === 'site-b');
    expect(a.dnat).toEqual([
      ...cqlB.map((p) => ({ to: p.upstream, via: `10.213.8.2:${p.listenPort}` })),
      { to: '10.213.9.150:8080', via: '10.213.8.2:22001' },
    ]);
    expect(a.dnat.map((d) => d.to)).toEqual([...nodeB.map((n) => `${n.address}:9042`), '10.213.9.150:8080']);
    expect(plan.clients.find((c) => c.region === 'site-a')).toEqual({
      region: 'site-a',
      container: 'fedsim-svc-client-site-a',
      address: '10.213.8.3',
      dnat: a.dnat,
      env: expect.objectContaining({ FEDSIM_REGION: 'site-a' }),
    });
  });

  it("gives each replica its region's view as documented environment variables and host names", () => {
    const b = replica('web-site-b-1');
    expect(b.env).toEqual({
      FEDSIM_FEDERATION: 'svc',
      FEDSIM_REGION: 'site-b',
      FEDSIM_REGIONS: 'site-a,site-b',
      FEDSIM_CLUSTERS: 'main,worker-b',
      FEDSIM_SERVICES: 'web,tool',
      FEDSIM_CLUSTER_MAIN_CONTACT_POINTS: '10.213.8.11:9042',
      FEDSIM_CLUSTER_MAIN_DATACENTER: 'site-a',
      FEDSIM_CLUSTER_WORKER_B_CONTACT_POINTS: '10.213.9.11:9042,10.213.9.12:9042',
      FEDSIM_CLUSTER_WORKER_B_DATACENTER: 'site-b',
      FEDSIM_SERVICE_WEB_ADDRESS: '10.213.9.150',
      FEDSIM_SERVICE_WEB_ADDRESSES: 'site-a=10.213.8.150,site-b=10.213.9.150',
      FEDSIM_SERVICE_WEB_PORTS: '8080',
      FEDSIM_SERVICE_TOOL_ADDRESS: '10.213.8.151',
      FEDSIM_SERVICE_TOOL_ADDRESSES: 'site-a=10.213.8.151,site-a=10.213.8.152',
      FEDSIM_SERVICE: 'web',
      FEDSIM_REPLICA: 'web-site-b-1',
      FEDSIM_ADDRESS: '10.213.9.150',
    });
    expect(replica('tool-site-a-2').env).toMatchObject({ MODE: 'probe', FEDSIM_SERVICE_WEB_ADDRESS: '10.213.8.150' });
    expect(b.hosts).toMatchObject({
      web: '10.213.9.150',
      tool: '10.213.8.151',
      'main-site-a-1': '10.213.8.11',
      'web-site-a-1': '10.213.8.150',
    });
  });

  it('plans no service paths for a topology without services', () => {
    const plain = planFederation(parseTopology(base as never), 'x', 0);
    expect(plain.replicas).toEqual([]);
    expect(plain.gateways.flatMap((g) => g.proxies).filter((p) => p.kind === 'svc')).toEqual([]);
  });
});

describe('faults on services', () => {
  const plan = planFederation(topology, 'svc', 1);
  const names = (t: string) => selectNodes(plan, t).map((n) => n.name);

  it('targets replicas by name, by service and within a region; all and cluster:C stay database nodes', () => {
    expect(names('web-site-b-1')).toEqual(['web-site-b-1']);
    expect(names('service:tool')).toEqual(['tool-site-a-1', 'tool-site-a-2']);
    expect(names('region:site-b')).toEqual(['worker-b-site-b-1', 'worker-b-site-b-2', 'web-site-b-1']);
    expect(names('all')).toEqual(plan.nodes.map((n) => n.name));
    expect(names('cluster:main')).toEqual(['main-site-a-1']);
    expect(effectsOf(plan, { kind: 'kill', target: 'service:web' } as never, 'x').nodes).toEqual([
      { node: 'web-site-a-1', container: 'fedsim-svc-web-site-a-1', action: 'kill' },
      { node: 'web-site-b-1', container: 'fedsim-svc-web-site-b-1', action: 'kill' },
    ]);
  });

  it("an outage takes the region's replicas down with its nodes", () => {
    expect(effectsOf(plan, { kind: 'outage', target: 'site-a' } as never, 'x').nodes.map((n) => n.node)).toEqual([
      'main-site-a-1',
      'web-site-a-1',
      'tool-site-a-1',
      'tool-site-a-2',
    ]);
  });

  it('cuts service paths with link faults: a partition stalls the svc proxies of both sides', () => {
    const toxics = effectsOf(plan, { kind: 'partition', target: 'site-a|site-b' } as never, 'x').toxics;
    const svc = toxics.filter((t) => t.proxy.startsWith('svc-')).map((t) => `${t.gateway}/${t.proxy}/${t.toxic.stream}`);
    expect(svc.sort()).toEqual([
      'site-a/svc-web-site-b-1-8080/downstream',
      'site-a/svc-web-site-b-1-8080/upstream',
      'site-b/svc-web-site-a-1-8080/downstream',
      'site-b/svc-web-site-a-1-8080/upstream',
    ]);
  });

  it.each([
    ['service:nope', /^Unknown service "nope"; the services are web, tool\.$/],
    ['nope-1', /^Unknown node or replica "nope-1"; the nodes are .*, the replicas web-site-a-1, /],
  ])('names what exists when a target does not (%s)', (target, message) => {
    expect(() => selectNodes(plan, target)).toThrow(message);
  });

  it('refuses to wipe a replica', () => {
    expect(() => effectsOf(plan, { kind: 'wipe', target: 'service:web' } as never, 'x')).toThrow(
      "wipe empties a database node's data; web-site-a-1 is a replica of service web.",
    );
  });
});

describe('the client namespace script', () => {
  it('installs every rule in one iptables-restore before it says it is ready, and none when there is nothing to redirect', () => {
    const script = netnsScript([{ to: '10.213.9.11:9042', via: '10.213.8.2:20001' }]);
    expect(script).toBe(
      "set -e; printf '%s\\n' '*nat' '-A OUTPUT -p tcp -d 10.213.9.11/32 --dport 9042 -j DNAT --to-destination 10.213.8.2:20001' 'COMMIT' | iptables-restore --noflush; echo fedsim-netns-ready; exec sleep infinity",
    );
    expect(netnsScript([])).toBe('set -e; echo fedsim-netns-ready; exec sleep infinity');
  });
});
