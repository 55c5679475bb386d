/**
 * Bring-up figures: time from `up` to ready for the 2-region and 3-region example federations (warm
 * images), and, per link, the measured CQL round trip through the gateway against the configured one.
 *   node dist/bench/bringup.js
 */
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { projectRoot } from '../src/paths.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { up } from '../src/runtime/federation.js';
import { buildImages } from '../src/runtime/images.js';
import { loadTopology } from '../src/topology/file.js';

const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);

async function median(client: cassandra.Client, n = 15): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    await client.execute('SELECT release_version FROM system.local');
    if (i > 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

for (const file of ['two-region-federation', 'three-region-federation']) {
  const topology = loadTopology(join(projectRoot, 'topologies', `${file}.yaml`));
  const t0 = performance.now();
  const fed = await up(engine, topology, { name: `bench-${topology.regions.length}r` });
  const ready = (performance.now() - t0) / 1000;
  try {
    console.log(
      `${file}: ${topology.regions.length} regions x 1 node ready in ${ready.toFixed(1)} s${topology.regions.length === 3 ? ' (target <= 60 s)' : ''}`,
    );
    console.log('  client region -> cluster region   configured RTT   measured - local   error');
    for (const cluster of fed.plan.clusters) {
      const home = cluster.regions[0]!;
      const local = await median(fed.client(home, cluster.name));
      for (const region of fed.plan.regions) {
        if (region === home) continue;
        const there = fed.plan.links.find((l) => l.from === region && l.to === home)!;
        const back = fed.plan.links.find((l) => l.from === home && l.to === region)!;
        const configured = there.latencyMs + back.latencyMs;
        const added = (await median(fed.client(region, cluster.name))) - local;
        const jitter = there.jitterMs || back.jitterMs ? ` (jitter +/-${there.jitterMs}/${back.jitterMs})` : '';
        console.log(
          `  ${`${region} -> ${home}`.padEnd(33)} ${`${configured} ms`.padStart(14)} ${`${added.toFixed(1)} ms`.padStart(18)} ${`${(((added - configured) / configured) * 100).toFixed(1)}%`.padStart(7)}${jitter}`,
        );
      }
      console.log(`  ${`${home} -> ${home} (local)`.padEnd(33)} ${'0 ms'.padStart(14)} ${`${local.toFixed(1)} ms total`.padStart(18)}`);
    }
  } finally {
    await fed.down();
  }
}
