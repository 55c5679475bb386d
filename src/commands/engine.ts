import { FedsimError } from '../errors.js';

/**
 * `--engine docker|kubernetes` (FEDSIM_ENGINE), with --kubeconfig/--context for Kubernetes. Apart from
 * commands/kube.ts, so that commands on Docker do not load the Kubernetes client.
 */
export interface EngineOptions {
  engine?: string;
  kubeconfig?: string;
  context?: string;
}

export function onKubernetes(opts: EngineOptions): boolean {
  const e = opts.engine || process.env.FEDSIM_ENGINE || 'docker';
  if (e !== 'docker' && e !== 'kubernetes') throw new FedsimError(`Unknown engine "${e}"; use docker or kubernetes.`);
  if (e === 'docker' && (opts.kubeconfig || opts.context))
    throw new FedsimError('--kubeconfig and --context belong to --engine kubernetes.');
  return e === 'kubernetes';
}
