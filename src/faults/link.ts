import { FedsimError } from '../errors.js';
import type { Plan } from '../topology/plan.js';
import { type Effects, type ToxicEffect, type ToxicType, toxicsFor } from './effects.js';
import type { FaultSpec, LinkKind } from './spec.js';

/**
 * Link faults: a Toxiproxy toxic on every proxy that carries the link's traffic, stacked on the
 * baseline latency toxics (which they never touch), or, for link-down, the link's proxies disabled.
 */
const TOXICS: Record<Exclude<LinkKind, 'link-down'>, (s: FaultSpec) => { type: ToxicType; attributes: Record<string, number> }> = {
  latency: (s) => ({ type: 'latency', attributes: { latency: s.latency ?? 0, jitter: s.jitter ?? 0 } }),
  bandwidth: (s) => ({ type: 'bandwidth', attributes: { rate: s.rate ?? 1 } }),
  // Data is held and connections hang until the toxic goes: a link that stalls.
  stall: () => ({ type: 'timeout', attributes: { timeout: 0 } }),
  reset: (s) => ({ type: 'reset_peer', attributes: { timeout: s.after ?? 0 } }),
  'slow-close': (s) => ({ type: 'slow_close', attributes: { delay: s.delay ?? 0 } }),
  // Toxiproxy's slicer delay is in microseconds.
  slicer: (s) => ({
    type: 'slicer',
    attributes: { average_size: s.size ?? 64, size_variation: Math.floor((s.size ?? 64) / 2), delay: Math.round((s.delay ?? 0) * 1000) },
  }),
  'limit-data': (s) => ({ type: 'limit_data', attributes: { bytes: s.bytes ?? 0 } }),
};

/** `A->B`, `A<-B` or `A<->B` as the directions it names. */
export function parseLinkTarget(plan: Plan, target: string): [string, string][] {
  const m = /^\s*([a-z0-9-]+)\s*(<->|->|<-)\s*([a-z0-9-]+)\s*$/.exec(target);
  if (!m) throw new FedsimError(`Link target "${target}" is not a link; write A->B, A<-B or A<->B with two region names.`);
  const [, a, arrow, b] = m as unknown as [string, string, string, string];
  for (const r of [a, b]) {
    if (!plan.regions.includes(r))
      throw new FedsimError(`Unknown region "${r}" in "${target}"; the regions are ${plan.regions.join(', ')}.`);
  }
  if (a === b) throw new FedsimError(`Link target "${target}" names one region twice; a link joins two regions.`);
  if (arrow === '->') return [[a, b]];
  if (arrow === '<-') return [[b, a]];
  return [
    [a, b],
    [b, a],
  ];
}

export function linkEffects(plan: Plan, spec: FaultSpec, id: string): Effects {
  const directions = parseLinkTarget(plan, spec.target);
  if (spec.kind === 'link-down') {
    // A disabled proxy refuses connections opened from its gateway's side of the link.
    const disabled = directions.flatMap(([from, to]) =>
      plan.gateways
        .filter((g) => g.region === from)
        .flatMap((g) => g.proxies.filter((p) => p.toRegion === to).map((p) => ({ gateway: g.region, proxy: p.name }))),
    );
    return { directions, toxics: [], disabled, nodes: [] };
  }
  const { type, attributes } = TOXICS[spec.kind as Exclude<LinkKind, 'link-down'>](spec);
  const toxics: ToxicEffect[] = directions.flatMap((d) => toxicsFor(plan, d, id, type, attributes));
  return { directions, toxics, disabled: [], nodes: [] };
}
