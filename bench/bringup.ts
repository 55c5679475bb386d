/**
 * Bring-up figures, warm images: time from `up` to ready for the reference federations (2 and 3
 * regions of one node, and a three-node cluster), beside the baseline a single-container tool
 * gives: the same containers started one after another, each waited for until it answers CQL
 * (testcontainers-style; `up` with oneAtATime). Runs alternate A B B A. Then, per link of the
 * example federations, the measured CQL round trip through the gateway against the configured one.
 *   node dist/bench/bringup.js
 */
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { up } from '../src/runtime/bringup.js';
import { medianRoundTrip } from '../src/runtime/cql.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages } from '../src/runtime/images.js';
import { loadScenario } from '../src/scenarios/file.js';
import { loadTopology } from '../src/topology/file.js';
import type { Topology } from '../src/topology/schema.js';

const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);

const references: [string, Topology][] = [
  ['2 regions x 1 node', loadTopology(join(projectRoot, 'topologies/two-region-federation.yaml'))],
  ['3 regions x 1 node', loadTopology(join(projectRoot, 'topologies/three-region-federation.yaml'))],
  ['one 3-node cluster', loadScenario(join(projectRoot, 'scenarios/node-failover.yaml')).topology],
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function readyIn(topology: Topology, oneAtATime: boolean): Promise<number> {
  const t0 = performance.now();
  const fed = await up(engine, topology, { name: 'bench-bringup', oneAtATime });
  const s = (performance.now() - t0) / 1000;
  await fed.down();
  return s;
}
console.log('ready from warm images: fedsim (all nodes at once) vs one node after another (testcontainers-style)');
for (const [label, topology] of references) {
  const fast: number[] = [];
  const slow: number[] = [];
  for (const oneAtATime of [false, true, true, false]) (oneAtATime ? slow : fast).push(await readyIn(topology, oneAtATime));
  console.log(
    `  ${label.padEnd(20)} fedsim ${median(fast).toFixed(1)} s (${fast.map((x) => x.toFixed(1)).join(', ')})   one at a time ${median(slow).toFixed(1)} s (${slow.map((x) => x.toFixed(1)).join(', ')})   speed-up x${(median(slow) / median(fast)).toFixed(2)}`,
  );
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
