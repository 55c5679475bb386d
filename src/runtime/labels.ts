/** Every Docker object fedsim creates carries these labels, so that down, heal and gc can find it. */
export const LABEL = {
  managed: 'io.fedsim.managed',
  federation: 'io.fedsim.federation',
  role: 'io.fedsim.role',
  region: 'io.fedsim.region',
  cluster: 'io.fedsim.cluster',
  node: 'io.fedsim.node',
  /** A service replica's service (on the replica and on its network namespace). */
  service: 'io.fedsim.service',
  component: 'io.fedsim.component',
  recipeHash: 'io.fedsim.recipe-hash',
  topology: 'io.fedsim.topology',
  /** The federation's address slot (on its networks and gateways): which 10.213.x.0/24 subnets it owns. */
  slot: 'io.fedsim.slot',
  /** The fedsim process that owns a run-scoped federation (on its reaper): gone with that process. */
  session: 'io.fedsim.session',
  /** A fault's record (spec, effects, times) as JSON, on its volume. */
  fault: 'io.fedsim.fault',
} as const;

export function federationLabels(federation: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.federation]: federation, ...extra };
}

/** An engine LabelFilter (engine.ts) that matches everything of one federation (or of fedsim at all). */
export function labelFilter(federation?: string): { label: string[] } {
  const label = [`${LABEL.managed}=true`];
  if (federation) label.push(`${LABEL.federation}=${federation}`);
  return { label };
}
