import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { FedsimError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { ensureEngine } from '../runtime/engine.js';
import { type Federation, removeFederation, up } from '../runtime/federation.js';
import { buildImages } from '../runtime/images.js';
import { loadTopology } from '../topology/file.js';
import { medianRoundTrip } from '../workload/clients.js';
import { interruptSignal } from './interrupt.js';

const say = (line: string) => process.stderr.write(`fedsim: ${line}\n`);

/**
 * `fedsim demo`: on this machine, sets up what is missing (engine, images), brings up a two-region
 * federation, shows what the WAN does to each region's view of each cluster, proves a write made in
 * one region is read in the other, and removes everything, also on Ctrl-C.
 */
export async function demoCommand(): Promise<void> {
  const signal = interruptSignal(say);
  const engine = await ensureEngine(say);
  await buildImages(engine, say);
  const topology = loadTopology(join(projectRoot, 'topologies', 'two-region-federation.yaml'));
  let fed: Federation | undefined;
  try {
    fed = await up(engine, topology, { name: 'demo', say, signal });
    const out = (line = '') => process.stdout.write(`${line}\n`);
    out(`\nfederation ${fed.name}: ${fed.plan.clusters.map((c) => `${c.name} (${c.role}, ${c.regions.join(', ')})`).join(', ')}`);
    out('\nregistry on the Main Cluster:');
    for (const e of await fed.registry()) out(`  ${e.name.padEnd(12)} ${e.role.padEnd(8)} ${e.region}`);

    out('\nCQL round trip from each region to each cluster (median of 7), against the configured links:');
    out(`  ${'client region'.padEnd(15)} ${'cluster'.padEnd(12)} ${'configured'.padStart(10)} ${'measured'.padStart(10)}`);
    for (const region of fed.plan.regions) {
      for (const cluster of fed.plan.clusters) {
        signal.throwIfAborted();
        const home = cluster.regions[0]!;
        const there = fed.plan.links.find((l) => l.from === region && l.to === home)?.latencyMs ?? 0;
        const back = fed.plan.links.find((l) => l.from === home && l.to === region)?.latencyMs ?? 0;
        const ms = await medianRoundTrip(fed.client(region, cluster.name), undefined, [], {}, 7);
        out(`  ${region.padEnd(15)} ${cluster.name.padEnd(12)} ${`${there + back} ms`.padStart(10)} ${`${ms.toFixed(1)} ms`.padStart(10)}`);
      }
    }

    const [a, b] = fed.plan.regions as [string, string];
    const main = fed.mainCluster()!.name;
    await fed.client(a, main).execute('CREATE TABLE IF NOT EXISTS app.greetings (id text PRIMARY KEY, text text)');
    await fed.client(a, main).execute('INSERT INTO app.greetings (id, text) VALUES (?, ?)', ['demo', `written from ${a}`], {
      consistency: cassandra.types.consistencies.localQuorum,
    });
    const rs = await fed.client(b, main).execute('SELECT text FROM app.greetings WHERE id = ?', ['demo']);
    out(`\na row written through ${a} and read through ${b}: "${rs.first()?.text}"`);
    out('\nverdict: the federation came up, its registry lists every cluster, and each link adds its configured latency.');
  } catch (err) {
    if (signal.aborted) throw new FedsimError('Interrupted; the demo federation was removed.', 130);
    throw err;
  } finally {
    say('removing the demo federation');
    await fed?.close();
    await removeFederation(engine, 'demo');
  }
}
