/**
 * Image figures: a build of every local image (cold with --cold: images and cached artefacts removed
 * first), a rebuild with nothing changed, each image's size, and a Cassandra node's time from
 * container start to CQL-ready (median of 3).
 *   node dist/bench/images.js [--cold]
 */
import { rmSync } from 'node:fs';
import { cacheDir } from '../src/paths.js';
import { CATALOG, LOCAL_COMPONENTS } from '../src/runtime/catalog.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages, listImages, localTag } from '../src/runtime/images.js';
import { LABEL } from '../src/runtime/labels.js';
import { cqlProbe } from '../src/runtime/readiness.js';
import { waitUntil } from '../src/runtime/wait.js';

const quiet = () => undefined;
const engine = await ensureEngine(quiet);

if (process.argv.includes('--cold')) {
  for (const name of [...LOCAL_COMPONENTS].reverse()) {
    await engine.removeImage(localTag(CATALOG[name])).catch(() => undefined);
  }
  rmSync(cacheDir, { recursive: true, force: true });
}
let t0 = performance.now();
const built = await buildImages(engine, quiet);
const first = (performance.now() - t0) / 1000;
t0 = performance.now();
await buildImages(engine, quiet);
const rebuild = (performance.now() - t0) / 1000;

console.log(
  `build of all local images: ${first.toFixed(1)} s (${built.filter((b) => b.built).length} built${process.argv.includes('--cold') ? ', cold' : ''})`,
);
for (const b of built) if (b.built) console.log(`  ${b.component.padEnd(12)} ${b.seconds.toFixed(1)} s`);
console.log(`rebuild with nothing changed: ${rebuild.toFixed(2)} s (target <= 10 s)`);
console.log('image sizes:');
for (const i of await listImages(engine))
  if (i.source === 'local') console.log(`  ${i.component.padEnd(12)} ${((i.sizeBytes ?? 0) / 1e6).toFixed(0)} MB  ${i.ref}`);

const times: number[] = [];
for (let run = 0; run < 3; run++) {
  const c = await engine.create({
    Image: localTag(CATALOG.cassandra),
    Labels: { [LABEL.managed]: 'true', [LABEL.federation]: 'bench-images', [LABEL.role]: 'smoke' },
    Env: ['FEDSIM_HEAP=512M'],
    ExposedPorts: { '9042/tcp': {} },
    HostConfig: { Memory: 1536 * 1024 * 1024, PortBindings: { '9042/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  try {
    const start = performance.now();
    await engine.start(c);
    const endpoint = (await engine.inspect(c)).published.get(9042)!;
    const outcome = await waitUntil(cqlProbe('Cassandra to answer CQL', endpoint), { timeoutMs: 180_000, everyMs: 250 });
    if (!outcome.ready) throw new Error('Cassandra did not answer within 180 s');
    times.push((performance.now() - start) / 1000);
  } finally {
    await engine.remove(c);
  }
}
times.sort((a, b) => a - b);
console.log(
  `Cassandra node, container start to CQL-ready: median ${times[1]!.toFixed(1)} s of ${times.map((t) => t.toFixed(1)).join(', ')} (target <= 45 s)`,
);
