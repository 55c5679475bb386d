/**
 * Services and the WAN below any client. One node in region `db`; client regions c5, c50, c150
 * (that one-way latency each way); a service of three replicas in `db`.
 * - The transparent path inside a region: a default Node cassandra-driver (no translator) run in
 *   db's client namespace (`fedsim exec`'s nsenter; its DNAT rules leave local nodes alone) beside
 *   the same program on the host connecting direct. Target: < 0.2 ms added at p50.
 * - Fidelity across regions: the same program in c5/c50/c150's client namespace to the db node:
 *   p50 minus the direct p50, against the configured round trip. Target: within max(5%, 2 ms).
 * - fedsim's overhead starting a replica: namespace, rules, container, readiness wait, beside a plain
 *   container of the same image and command started and awaited the same way (its log line polled
 *   every 50 ms), taking turns with the federation up. Target: < 0.5 s.
 *   node dist/bench/services.js
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { up } from '../src/runtime/bringup.js';
import { CATALOG } from '../src/runtime/catalog.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages, localTag } from '../src/runtime/images.js';
import { federationLabels } from '../src/runtime/labels.js';
import { clientNamespace, netnsImage } from '../src/runtime/netns.js';
import { logProbe } from '../src/runtime/readiness.js';
import { startReplica, waitForReplica } from '../src/runtime/services.js';
import { waitUntil } from '../src/runtime/wait.js';

const LATENCIES = [5, 50, 150];
const N = 200;
const probe = join(projectRoot, 'test/fixtures/services/probe.mjs');
const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const base = localTag(CATALOG.base);
const timings: { replica: string; setupMs: number; readyMs: number }[] = [];
const fed = await up(
  engine,
  {
    shape: 'federation',
    regions: ['db', ...LATENCIES.map((l) => `c${l}`)],
    links: { pairs: LATENCIES.map((l) => ({ from: `c${l}`, to: 'db', latency: `${l}ms`, both: true })) },
    clusters: [{ name: 'main', role: 'main', nodes: { db: 1 }, memory: '1g' }],
    services: [{ name: 'svc', image: base, command: 'echo ready; exec sleep infinity', regions: { db: 3 }, ready: { log: '^ready$' } }],
  },
  { name: 'bench-services', onReplicaReady: (t) => timings.push(t) },
);

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The probe program's round trips to the node: on the host (pid undefined) or inside a namespace. */
function run(pid: number | undefined): Promise<number[]> {
  const node = fed.plan.nodes[0]!;
  const args = [probe, `n=${node.address}:9042:db`];
  const [cmd, argv] = pid ? ['nsenter', ['-t', String(pid), '-n', '--', process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv as string[], { env: { ...process.env, PROBE_N: String(N) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', () => {
      const r = JSON.parse(out.trim().split('\n').pop() ?? '{}').n;
      if (r?.ok) resolve(r.times.slice(20));
      else reject(new Error(`probe failed: ${out}`));
    });
  });
}

try {
  const pidOf = (region: string) => clientNamespace(engine, fed.plan, fed.plan.clients.find((c) => c.region === region)!, () => undefined);
  // Direct and namespaced runs take turns, so the shared machine's drift hits both alike.
  const direct: number[] = [];
  const inside: number[] = [];
  const dbPid = await pidOf('db');
  for (let i = 0; i < 3; i++) {
    direct.push(...(await run(undefined)));
    inside.push(...(await run(dbPid)));
  }
  console.log(`inside a region: ${direct.length} queries per path, the two runs taking turns`);
  console.log(
    `  direct from the host p50 ${p50(direct).toFixed(2)} ms; in the region's client namespace p50 ${p50(inside).toFixed(2)} ms; added ${(p50(inside) - p50(direct)).toFixed(2)} ms (target < 0.2 ms)`,
  );
  console.log("across regions: the same program in each client region's namespace to the db node");
  console.log('  one-way   direct p50   namespace p50   added (configured RTT)   error');
  for (const l of LATENCIES) {
    const pid = await pidOf(`c${l}`);
    const d = p50(await run(undefined));
    const g = p50(await run(pid));
    const added = g - d;
    const rtt = 2 * l;
    const error = added - rtt;
    const within = Math.abs(error) <= Math.max(2, rtt * 0.05);
    console.log(
      `  ${`${l} ms`.padStart(7)}   ${`${d.toFixed(1)} ms`.padEnd(10)}   ${`${g.toFixed(1)} ms`.padEnd(13)}   ${`${added.toFixed(1)} ms (${rtt} ms)`.padEnd(22)}   ${error >= 0 ? '+' : ''}${error.toFixed(1)} ms (${((error / rtt) * 100).toFixed(1)}%) ${within ? 'within target' : 'OUTSIDE target'}`,
    );
  }

  // Starting a replica, beside the same image and command as a plain container on db's network,
  // both awaited by the same log-line probe, one after the other in turns, with the federation up
  // and idle: each replica is removed and started again by fedsim's own code.
  const network = fed.plan.networks[0]!;
  await netnsImage(engine, () => undefined);
  const plain: number[] = [];
  const replica: number[] = [];
  for (const [i, r] of fed.plan.replicas.entries()) {
    const name = `fedsim-bench-services-plain-${i}`;
    let t0 = performance.now();
    const c = await engine.create({
      name,
      Image: base,
      Cmd: ['/bin/sh', '-c', 'echo ready; exec sleep infinity'],
      Labels: federationLabels('bench-services'),
      NetworkingConfig: {
        EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: network.bridge.replace(/\.1$/, `.${200 + i}`) } } },
      },
    });
    await engine.start(c);
    await waitUntil(logProbe(engine, name, '^ready$'), { timeoutMs: 30_000, everyMs: 50 });
    plain.push(performance.now() - t0);
    for (const x of [r.container, r.netns]) await engine.remove(x);
    t0 = performance.now();
    await startReplica(engine, fed.plan, r, base);
    await waitForReplica(engine, fed.plan, r);
    replica.push(performance.now() - t0);
  }
  console.log('starting a replica (log-line readiness; taking turns, the federation up and idle):');
  console.log(
    `  plain container create + start + ready: median ${p50(plain).toFixed(0)} ms (${plain.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `  fedsim replica (namespace + rules + container + ready): median ${p50(replica).toFixed(0)} ms (${replica.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(`  fedsim's own overhead: ${(p50(replica) - p50(plain)).toFixed(0)} ms (target < 500 ms)`);
  console.log(
    `  during up (3 replicas at once, beside the node's start): ${timings.map((t) => `${t.setupMs.toFixed(0)}+${t.readyMs.toFixed(0)}`).join(', ')} ms setup+ready`,
  );
} finally {
  await fed.down();
}
process.exit(0);
