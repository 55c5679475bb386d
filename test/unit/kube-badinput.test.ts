import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fedsimInProcess } from './inprocess.js';

/**
 * `--engine kubernetes` on bad input: one sentence, exit 2, before anything is created. The
 * kubeconfig's server is a closed local port, so nothing can have been created anywhere; a
 * region with no node is shown against the real test cluster (test/kube/federation.test.ts).
 */
const root = join(import.meta.dirname, '../..');
const cli = join(root, 'dist/src/cli.js');
const run = promisify(execFile);
const topology = join(root, 'topologies/stretched-pair.yaml');
const dir = mkdtempSync(join(tmpdir(), 'fedsim-kube-bad-'));
const kubeconfig = join(dir, 'config');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: nowhere, context: {cluster: nowhere, user: u}}, {name: other, context: {cluster: nowhere, user: u}}]
current-context: nowhere
`,
);

async function spawned(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run(process.execPath, [cli, ...args], { env: { ...process.env, KUBECONFIG: '', ...env }, timeout: 120_000 });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

/** Through the CLI's main() in this process (inprocess.ts): each spawned CLI here loads the Kubernetes client anew. */
const fedsim = (args: string[], env: Record<string, string> = {}) => fedsimInProcess(args, { env: { KUBECONFIG: '', ...env } });

function oneSentence(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

describe('--engine kubernetes on bad input', { timeout: 180_000 }, () => {
  it.each([['up', topology], ['status'], ['down', 'pair'], ['gc']])(
    '%s with no cluster answering: one sentence naming the server, exit 2',
    async (...args) => {
      const r = await fedsim([...args, '--engine', 'kubernetes', '--kubeconfig', kubeconfig]);
      expect(r.code).toBe(2);
      expect(oneSentence(r.stderr)).toMatch(/No Kubernetes cluster answers at https:\/\/127\.0\.0\.1:1 \(context nowhere\)/);
    },
  );

  it('as a process: the same sentence on stderr, exit status 2', async () => {
    const r = await spawned(['up', topology, '--engine', 'kubernetes', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(2);
    expect(oneSentence(r.stderr)).toMatch(/No Kubernetes cluster answers at https:\/\/127\.0\.0\.1:1 \(context nowhere\)/);
  });

  it('a context the kubeconfig does not have: named, with the ones it has', async () => {
    const r = await fedsim(['up', topology, '--engine', 'kubernetes', '--kubeconfig', kubeconfig, '--context', 'mars']);
    expect(r.code).toBe(2);
    expect(oneSentence(r.stderr)).toMatch(/has no context "mars"; its contexts are nowhere, other/);
  });

  it('no kubeconfig at all, and FEDSIM_ENGINE=kubernetes as the default', async () => {
    const r = await fedsim(['status'], { FEDSIM_ENGINE: 'kubernetes', KUBECONFIG: join(dir, 'missing') });
    expect(r.code).toBe(2);
    expect(oneSentence(r.stderr)).toMatch(/No kubeconfig at .*missing; pass --kubeconfig FILE or set KUBECONFIG/);
  });

  it('an unknown engine, and --context without kubernetes', async () => {
    const a = await fedsim(['status', '--engine', 'nomad']);
    expect(a.code).toBe(2);
    expect(oneSentence(a.stderr)).toMatch(/Unknown engine "nomad"; use docker or kubernetes/);
    const b = await fedsim(['status', '--context', 'x'], { FEDSIM_ENGINE: '' });
    expect(b.code).toBe(2);
    expect(oneSentence(b.stderr)).toMatch(/--kubeconfig and --context belong to --engine kubernetes/);
  });
});
