import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths.js';

/** scripts/kube/cluster.sh, the test cluster's one door (build, start, nodes, images, stop). */
export function clusterScript(...args: string[]): string {
  return execFileSync('bash', [join(projectRoot, 'scripts/kube/cluster.sh'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** The running test cluster's admin kubeconfig. */
export function testKubeconfig(): string {
  return clusterScript('env')
    .trim()
    .replace(/^KUBECONFIG=/, '');
}

/** The real nodes' regions (one kubelet node container each); KWOK's fake nodes take others. */
export const REAL_REGIONS = ['site-a', 'site-b'];
