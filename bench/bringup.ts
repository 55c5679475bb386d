/**
 * Bring-up figures: time from `up` to ready for the 2-region and 3-region example federations (warm
 * images), and, per link, the measured CQL round trip through the gateway against the configured one.
 *   node dist/bench/bringup.js
 */
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { up } from '../src/runtime/federation.js';
import { buildImages } from '../src/runtime/images.js';
import { loadTopology } from '../src/topology/file.js';
import { medianRoundTrip } from '../src/workload/clients.js';

const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);

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
      const local = await medianRoundTrip(fed.client(home, cluster.name), undefined, [], {}, 15);
      for (const region of fed.plan.regions) {
        if (region === home) continue;
        const there = fed.plan.links.find((l) => l.from === region && l.to === home)!;
        const back = fed.plan.links.find((l) => l.from === home && l.to === region)!;
        const configured = there.latencyMs + back.latencyMs;
        const added = (await medianRoundTrip(fed.client(region, cluster.name), undefined, [], {}, 15)) - local;
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
