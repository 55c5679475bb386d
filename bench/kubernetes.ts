/**
 * Kubernetes figures on the project's test cluster (scripts/kube/cluster.sh up --regions site-a,site-b
 * must be running, fedsim's images loaded): bring-up of the same stretched pair on Kubernetes and on
 * Docker, side by side (runs alternate K D D K), and the memory of each region's node container.
 * Run under the engine lock:
 *   flock /tmp/fedsim-engine.lock node dist/bench/kubernetes.js
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../src/paths.js';
import { up } from '../src/runtime/bringup.js';
import { ensureEngine } from '../src/runtime/engine.js';
import { buildImages } from '../src/runtime/images.js';
import { upOnKube } from '../src/runtime/kubernetes/bringup.js';
import { connectKube, removeKubeFederation } from '../src/runtime/kubernetes/cluster.js';
import { parseTopology } from '../src/topology/schema.js';

const kubeconfig = execFileSync('bash', [join(projectRoot, 'scripts/kube/cluster.sh'), 'env'], { encoding: 'utf8' })
  .trim()
  .replace(/^KUBECONFIG=/, '');
const engine = await ensureEngine(() => undefined);
await buildImages(engine, () => undefined);
const kube = await connectKube({ kubeconfig });
const pair = parseTopology({
  shape: 'stretched',
  regions: ['site-a', 'site-b'],
  links: { default: { latency: '30ms' } },
  clusters: [{ name: 'geo', nodes: { 'site-a': 1, 'site-b': 1 }, memory: '1024m' }],
  keyspaces: [{ name: 'app', replication: { 'site-a': 1, 'site-b': 1 } }],
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const onKube: number[] = [];
const onDocker: number[] = [];
let memory = '';
for (const k of [true, false, false, true]) {
  const t0 = performance.now();
  if (k) {
    await upOnKube(kube, pair, { name: 'bench-kube' });
    onKube.push((performance.now() - t0) / 1000);
    memory = execFileSync('docker', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('fedsim-kube-node'))
      .join('; ');
    await removeKubeFederation(kube, 'bench-kube');
  } else {
    const fed = await up(engine, pair, { name: 'bench-kube' });
    onDocker.push((performance.now() - t0) / 1000);
    await fed.down();
  }
}
console.log(`stretched pair (2 regions x 1 node + 2 gateways), ready with keyspaces:`);
console.log(`  Kubernetes (real kubelets) median ${median(onKube).toFixed(1)} s  runs ${onKube.map((s) => s.toFixed(1)).join(', ')}`);
console.log(`  Docker                     median ${median(onDocker).toFixed(1)} s  runs ${onDocker.map((s) => s.toFixed(1)).join(', ')}`);
console.log(`memory per region node container with its Cassandra pod: ${memory}`);
