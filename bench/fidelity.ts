/**
 * WAN fidelity: one node in region `db`, and a client region per configured one-way latency (0, 5,
 * 50, 150, 300 ms, both ways). The same query, in the same run, through each client region's
 * gateway and direct to the node's address (the host reaches the container network without any
 * proxy): the latency fedsim adds is gateway minus direct, against the configured round trip.
 * Target: within 5% or 2 ms, whichever is larger.
 *   node dist/bench/fidelity.js
 */
import cassandra from 'cassandra-driver';
import { ensureEngine } from '../src/runtime/engine.js';
import { up } from '../src/runtime/federation.js';
import { buildImages } from '../src/runtime/images.js';

const LATENCIES = [0, 5, 50, 150, 300];
const N = 200;
const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const clients = LATENCIES.map((l) => `c${l}`);
const fed = await up(
  engine,
  {
    shape: 'federation',
    regions: ['db', ...clients],
    links: { pairs: LATENCIES.map((l) => ({ from: `c${l}`, to: 'db', latency: `${l}ms`, both: true })) },
    clusters: [{ name: 'main', role: 'main', nodes: { db: 1 } }],
    keyspaces: [{ name: 'app', replication: 1 }],
  },
  { name: 'bench-fidelity' },
);

/** p50 and p99 of N sequential queries, after 20 that open connections and warm the JIT. */
async function sample(client: cassandra.Client): Promise<{ p50: number; p99: number }> {
  const query = 'SELECT release_version FROM system.local';
  for (let i = 0; i < 20; i++) await client.execute(query, [], { prepare: true });
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await client.execute(query, [], { prepare: true });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(N / 2)]!, p99: ms[Math.floor(N * 0.99)]! };
}

try {
  const node = fed.plan.nodes[0]!;
  const direct = new cassandra.Client({ contactPoints: [`${node.address}:9042`], localDataCenter: 'db' });
  console.log(`one-way latency configured each way; ${N} sequential queries per path, same run`);
  console.log('  one-way   direct p50/p99     gateway p50/p99     added p50 (configured RTT)   error');
  for (const l of LATENCIES) {
    // Direct and gateway alternate per latency so that drift on the shared machine hits both.
    const d = await sample(direct);
    const g = await sample(fed.client(`c${l}`, 'main'));
    const added = g.p50 - d.p50;
    const rtt = 2 * l;
    const error = added - rtt;
    const within = Math.abs(error) <= Math.max(2, rtt * 0.05);
    console.log(
      `  ${`${l} ms`.padStart(7)}   ${`${d.p50.toFixed(1)}/${d.p99.toFixed(1)} ms`.padEnd(17)}  ${`${g.p50.toFixed(1)}/${g.p99.toFixed(1)} ms`.padEnd(18)}  ${`${added.toFixed(1)} ms (${rtt} ms)`.padEnd(27)}  ${error >= 0 ? '+' : ''}${error.toFixed(1)} ms${rtt ? ` (${((error / rtt) * 100).toFixed(1)}%)` : ''} ${within ? 'within target' : 'OUTSIDE target'}`,
    );
  }
  await direct.shutdown();
} finally {
  await fed.down();
}
process.exit(0);
