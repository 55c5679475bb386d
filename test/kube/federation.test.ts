import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import { medianRoundTrip, regionClient } from '../../src/runtime/cql.js';
import { GatewayApi } from '../../src/runtime/gateway.js';
import { type KubeFederation, upOnKube } from '../../src/runtime/kubernetes/bringup.js';
import {
  connectKube,
  federationExists,
  gatewayApiForward,
  type Kube,
  kubeFederations,
  podPlacement,
  removeKubeFederation,
} from '../../src/runtime/kubernetes/cluster.js';
import { parseTopology } from '../../src/topology/schema.js';
import { REAL_REGIONS, testKubeconfig } from './cluster.js';

/**
 * fedsim on a real multi-node Kubernetes (real kubelets, containerd, kube-proxy, one node container
 * per region): the stretched pair placed by `up --engine kubernetes`, its two datacenters joined
 * through the gateways, CQL written in one region read in the other, the WAN link paid, and `down`
 * leaving nothing.
 */
const cli = join(projectRoot, 'dist/src/cli.js');
const run = promisify(execFile);
const [A, B] = REAL_REGIONS as [string, string];
const pair = parseTopology({
  shape: 'stretched',
  regions: [A, B],
  links: { default: { latency: '30ms' } },
  clusters: [{ name: 'geo', nodes: { [A]: 1, [B]: 1 }, memory: '1024m' }],
  keyspaces: [{ name: 'app', replication: { [A]: 1, [B]: 1 } }],
});

async function fedsim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [cli, ...args, '--engine', 'kubernetes', '--kubeconfig', testKubeconfig()], { timeout: 280_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('fedsim on a real multi-node Kubernetes', () => {
  let kube: Kube;
  let fed: KubeFederation;
  beforeAll(async () => {
    kube = await connectKube({ kubeconfig: testKubeconfig() });
  });
  afterAll(async () => {
    if (kube) await removeKubeFederation(kube, 'kpair');
  });

  it('a topology naming a region no node is in: one sentence, exit 2, nothing created', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fedsim-kube-')), 'mars.yaml');
    writeFileSync(file, `shape: stretched\nregions: [${A}, mars]\nclusters:\n  - name: geo\n    nodes: { ${A}: 1, mars: 1 }\n`);
    const r = await fedsim(['up', file, '--name', 'kbad']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /No node of the cluster \(context \S+\) is labelled topology\.kubernetes\.io\/region=mars; its regions are .*site-a/,
    );
    expect(await federationExists(kube, 'kbad')).toBe(false);
  });

  it('the stretched pair comes up: a datacenter per region, each pod on a node of its region', async () => {
    const t0 = performance.now();
    fed = await upOnKube(kube, pair, { name: 'kpair', say: (l) => process.stderr.write(`[kpair] ${l}\n`) });
    const seconds = (performance.now() - t0) / 1000;
    process.stderr.write(`[figure] Kubernetes: stretched pair up (2 nodes, 2 gateways, keyspace) in ${seconds.toFixed(1)} s\n`);
    const pods = await podPlacement(kube, 'kpair');
    expect(pods).toHaveLength(4);
    for (const p of pods) expect(p.pod, JSON.stringify(pods)).toContain(p.region!);
  });

  it('CQL written in one region is read in the other, and a request across the link pays it', async () => {
    const a = regionClient({ endpoints: fed.endpoints[A]!, localDataCenter: A, keyspace: 'app' });
    const b = regionClient({ endpoints: fed.endpoints[B]!, localDataCenter: B, keyspace: 'app' });
    try {
      await a.execute('CREATE TABLE IF NOT EXISTS kv (k text PRIMARY KEY, v text)');
      const each = { consistency: cassandra.types.consistencies.eachQuorum };
      await a.execute('INSERT INTO kv (k, v) VALUES (?, ?)', ['x', 'from-a'], each);
      const rs = await b.execute('SELECT v FROM kv WHERE k = ?', ['x'], { consistency: cassandra.types.consistencies.localOne });
      expect(rs.rows[0]?.v).toBe('from-a');
      // LOCAL_ONE stays in the region; EACH_QUORUM must reach the other datacenter through both gateways.
      const local = await medianRoundTrip(a, 'SELECT v FROM kv WHERE k = ?', ['x'], {
        consistency: cassandra.types.consistencies.localOne,
      });
      const remote = await medianRoundTrip(a, 'INSERT INTO kv (k, v) VALUES (?, ?)', ['y', 'v'], each);
      process.stderr.write(
        `[figure] Kubernetes: LOCAL_ONE read p50 ${local.toFixed(1)} ms, EACH_QUORUM write p50 ${remote.toFixed(1)} ms (link 30 ms each way)\n`,
      );
      expect(remote - local).toBeGreaterThan(55);
    } finally {
      await a.shutdown();
      await b.shutdown();
    }
  });

  it('a partition at the gateways fails only the crossing requests (the gateway API reached through the apiserver)', async () => {
    const forwards = await Promise.all(fed.plan.gateways.map((g) => gatewayApiForward(kube, 'kpair', g.region, g.apiPort)));
    const apis = forwards.map((f, i) => new GatewayApi(fed.plan.gateways[i]!.region, f.url));
    const peers = async (enabled: boolean) => {
      for (const api of apis) for (const p of await api.proxies()) if (p.name.startsWith('peer-')) await api.setEnabled(p.name, enabled);
    };
    const a = regionClient({ endpoints: fed.endpoints[A]!, localDataCenter: A, keyspace: 'app', readTimeoutMs: 4000 });
    try {
      await peers(false);
      const local = await a.execute('SELECT v FROM kv WHERE k = ?', ['x'], { consistency: cassandra.types.consistencies.localOne });
      expect(local.rows[0]?.v).toBe('from-a');
      await expect(
        a.execute('INSERT INTO kv (k, v) VALUES (?, ?)', ['p', 'v'], { consistency: cassandra.types.consistencies.eachQuorum }),
      ).rejects.toThrow();
      await peers(true);
      // Healed: the crossing write goes through again once the nodes see each other.
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await a.execute('INSERT INTO kv (k, v) VALUES (?, ?)', ['p', 'v'], { consistency: cassandra.types.consistencies.eachQuorum });
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    } finally {
      await peers(true).catch(() => undefined);
      await a.shutdown();
      for (const f of forwards) await f.close();
    }
  });

  it('status shows it; down leaves nothing of it on the cluster', async () => {
    const s = await fedsim(['status', 'kpair', '--json']);
    expect(s.code, s.stderr).toBe(0);
    const [st] = JSON.parse(s.stdout) as { pods: { state: string }[] }[];
    expect(st!.pods.map((p) => p.state)).toEqual(['up', 'up', 'up', 'up']);
    const mem = execFileSync('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('fedsim-kube-node'));
    process.stderr.write(`[figure] memory per region node with a Cassandra pod: ${mem.join('; ')}\n`);
    const d = await fedsim(['down', 'kpair']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/federation kpair removed/);
    expect(await federationExists(kube, 'kpair')).toBe(false);
    expect((await kubeFederations(kube)).map((f) => f.name)).not.toContain('kpair');
  });
});
