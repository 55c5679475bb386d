/**
 * WAN fidelity: one node in region `db`, and a client region per configured one-way latency (0, 5,
 * 50, 150, 300 ms, both ways). The same query, in the same run, through each client region's
 * gateway and direct to the node's address (the host reaches the container network without any
 * proxy): the latency fedsim adds is gateway minus direct, against the configured round trip.
 * Target: within 5% or 2 ms, whichever is larger.
 *   node dist/bench/fidelity.js
 */
import cassandra from 'cassandra-driver';
import { up } from '../src/runtime/bringup.js';
import { ensureEngine } from '../src/runtime/engine.js';
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

const QUERY = 'SELECT release_version FROM system.local';
const percentiles = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(N / 2)]!, p99: sorted[Math.floor(N * 0.99)]! };
};

/**
 * N queries on each path, the two paths taking turns query by query so that the shared machine's
 * drift hits both alike, after 50 on each that open connections and warm the JIT.
 */
async function sample(direct: cassandra.Client, gateway: cassandra.Client) {
  for (let i = 0; i < 50; i++) for (const c of [direct, gateway]) await c.execute(QUERY, [], { prepare: true });
  const d: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < N; i++)
    for (const [c, into] of [
      [direct, d],
      [gateway, g],
    ] as const) {
      const t0 = performance.now();
      await c.execute(QUERY, [], { prepare: true });
      into.push(performance.now() - t0);
    }
  return { direct: percentiles(d), gateway: percentiles(g) };
}

try {
  const node = fed.plan.nodes[0]!;
  const direct = new cassandra.Client({ contactPoints: [`${node.address}:9042`], localDataCenter: 'db' });
  console.log(`one-way latency configured each way; ${N} queries per path, the paths taking turns query by query`);
  console.log('  one-way   direct p50/p99     gateway p50/p99     added p50 (configured RTT)   error');
  for (const l of LATENCIES) {
    const { direct: d, gateway: g } = await sample(direct, fed.client(`c${l}`, 'main'));
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
