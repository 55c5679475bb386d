import { parseDuration } from '../common/duration.js';
import { FedsimError } from '../errors.js';
import { upOnKube } from '../runtime/kubernetes/bringup.js';
import { connectKube, kubeFederations, removeKubeFederation } from '../runtime/kubernetes/cluster.js';
import { namespaceOf } from '../runtime/kubernetes/manifests.js';
import { LABEL } from '../runtime/labels.js';
import { loadTopology } from '../topology/file.js';
import type { CommandContext } from './context.js';
import type { EngineOptions } from './engine.js';

/** The commands on Kubernetes (`--engine kubernetes`): up, status, down and gc; see docs/KUBERNETES.md. */
export async function kubeUpCommand(
  ctx: CommandContext,
  file: string,
  opts: EngineOptions & { name?: string; nodeTimeout?: string },
): Promise<void> {
  const nodeTimeoutMs = parseDuration(opts.nodeTimeout ?? '240s');
  if (nodeTimeoutMs === undefined || nodeTimeoutMs <= 0)
    throw new FedsimError(`--node-timeout expects a duration such as 90s or 5m, got "${opts.nodeTimeout}".`);
  const topology = loadTopology(file);
  const kube = await connectKube(opts);
  const t0 = Date.now();
  const fed = await upOnKube(kube, topology, { name: opts.name, nodeTimeoutMs, say: ctx.say, signal: ctx.interrupt().signal });
  ctx.out(
    `federation ${fed.name} is up on Kubernetes (context ${kube.context}, namespace ${namespaceOf(fed.name)}, ${((Date.now() - t0) / 1000).toFixed(1)} s); \`fedsim down ${fed.name} --engine kubernetes\` removes it\n`,
  );
}

export async function kubeStatusCommand(
  ctx: CommandContext,
  name: string | undefined,
  opts: EngineOptions & { json?: boolean },
): Promise<void> {
  const kube = await connectKube(opts);
  const feds = (await kubeFederations(kube)).filter((f) => !name || f.name === name);
  if (name && !feds.length)
    throw new FedsimError(
      `No federation named ${name} is up on context ${kube.context}; \`fedsim status --engine kubernetes\` lists those that are.`,
    );
  const out = [];
  for (const f of feds) {
    const pods = await kube.core.listNamespacedPod({ namespace: f.namespace });
    out.push({
      name: f.name,
      namespace: f.namespace,
      pods: pods.items
        .map((p) => ({
          name: p.metadata?.labels?.[LABEL.node] ?? p.metadata!.name!,
          pod: p.metadata!.name!,
          role: p.metadata?.labels?.[LABEL.role] ?? '?',
          region: p.metadata?.labels?.[LABEL.region] ?? '',
          cluster: p.metadata?.labels?.[LABEL.cluster],
          node: p.spec?.nodeName ?? '',
          state: p.metadata?.deletionTimestamp
            ? 'stopping'
            : p.status?.containerStatuses?.every((c) => c.ready)
              ? 'up'
              : (p.status?.phase ?? '?').toLowerCase(),
          address: p.status?.podIP ?? '',
        }))
        .sort((a, b) => a.role.localeCompare(b.role) || a.pod.localeCompare(b.pod)),
    });
  }
  if (opts.json) {
    ctx.out(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  if (!out.length) {
    ctx.out(`no federation is up on context ${kube.context}\n`);
    return;
  }
  for (const f of out) {
    ctx.out(`federation ${f.name} (namespace ${f.namespace}, context ${kube.context})\n`);
    for (const p of f.pods)
      ctx.out(
        `  ${p.state.padEnd(8)} ${p.role.padEnd(8)} ${p.pod.padEnd(28)} ${[p.region, p.cluster].filter(Boolean).join(' ').padEnd(24)} on ${p.node}\n`,
      );
  }
}

export async function kubeDownCommand(
  ctx: CommandContext,
  name: string | undefined,
  opts: EngineOptions & { all?: boolean },
): Promise<void> {
  if (!name && !opts.all) throw new FedsimError('Name the federation to take down, or pass --all.');
  ctx.interrupt(ctx.say, 'finishing the removal');
  const kube = await connectKube(opts);
  const names = opts.all ? (await kubeFederations(kube)).map((f) => f.name) : [name!];
  for (const n of names)
    ctx.out(
      (await removeKubeFederation(kube, n))
        ? `federation ${n} removed (namespace ${namespaceOf(n)})\n`
        : `federation ${n} was not up on context ${kube.context}; nothing to remove\n`,
    );
  if (opts.all && !names.length) ctx.out('no federation is up; nothing to remove\n');
}

/** gc on Kubernetes: every namespace fedsim labelled, cluster-wide (fedsim creates nothing cluster-scoped). */
export async function kubeGcCommand(ctx: CommandContext, opts: EngineOptions): Promise<void> {
  ctx.interrupt(ctx.say, 'finishing the removal');
  const kube = await connectKube(opts);
  const feds = await kubeFederations(kube);
  for (const f of feds) await removeKubeFederation(kube, f.name);
  ctx.out(
    `gc: removed ${feds.length} namespace(s)${feds.length ? ` (${feds.map((f) => f.namespace).join(', ')})` : ''} on context ${kube.context}\n`,
  );
}
