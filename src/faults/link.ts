import { FedsimError } from '../errors.js';
import { knownRegion, type Plan } from '../topology/plan.js';
import { type ToxicEffect, type ToxicType, toxicsFor } from './effects.js';
import { defineKind, type FaultKindDef } from './kind.js';
import type { FaultInput } from './params.js';

/** `A->B`, `A<-B` or `A<->B` as the directions it names. */
export function parseLinkTarget(plan: Plan, target: string): [string, string][] {
  const m = /^\s*([a-z0-9-]+)\s*(<->|->|<-)\s*([a-z0-9-]+)\s*$/.exec(target);
  if (!m) throw new FedsimError(`Link target "${target}" is not a link; write A->B, A<-B or A<->B with two region names.`);
  const [, a, arrow, b] = m as unknown as [string, string, string, string];
  for (const r of [a, b]) knownRegion(plan, r, target);
  if (a === b) throw new FedsimError(`Link target "${target}" names one region twice; a link joins two regions.`);
  if (arrow === '->') return [[a, b]];
  if (arrow === '<-') return [[b, a]];
  return [
    [a, b],
    [b, a],
  ];
}

const TARGET = 'A->B, A<-B, A<->B';

/** A link kind made of one Toxiproxy toxic on every proxy that carries the link's traffic. */
function toxicKind<const N extends string>(
  name: N,
  params: FaultKindDef['params'],
  does: string,
  toxic: (s: FaultInput) => { type: ToxicType; attributes: Record<string, number> },
  check?: FaultKindDef['check'],
): FaultKindDef<N> {
  return defineKind({
    name,
    family: 'link',
    target: TARGET,
    params,
    does,
    inverse: "its toxics removed (the baseline's stay)",
    updatable: true,
    check,
    effects(plan, spec, id) {
      const directions = parseLinkTarget(plan, spec.target);
      const { type, attributes } = toxic(spec);
      const toxics: ToxicEffect[] = directions.flatMap((d) => toxicsFor(plan, d, id, type, attributes));
      return { directions, toxics, disabled: [], nodes: [] };
    },
  });
}

/**
 * Link faults: a Toxiproxy toxic on every proxy that carries the link's traffic, stacked on the
 * baseline latency toxics (which they never touch), or, for link-down, the link's proxies disabled.
 */
export const LINK_KINDS = [
  toxicKind(
    'latency',
    { latency: { help: 'added one-way delay', required: true }, jitter: { help: '+/- variation' } },
    'added one-way delay, on top of the baseline',
    (s) => ({ type: 'latency', attributes: { latency: s.latency ?? 0, jitter: s.jitter ?? 0 } }),
    (s) =>
      s.jitter !== undefined && s.latency !== undefined && s.jitter > s.latency
        ? { path: 'jitter', message: 'jitter larger than the latency would make negative delays' }
        : undefined,
  ),
  toxicKind('bandwidth', { rate: { help: 'cap in KB/s', required: true } }, 'throughput cap', (s) => ({
    type: 'bandwidth',
    attributes: { rate: s.rate ?? 1 },
  })),
  // Data is held and connections hang until the toxic goes: a link that stalls.
  toxicKind('stall', {}, 'data held, connections hang (Toxiproxy `timeout` 0)', () => ({ type: 'timeout', attributes: { timeout: 0 } })),
  toxicKind(
    'reset',
    { after: { help: 'connections are reset after this long (default at once)' } },
    'connections reset (TCP RST), at once or after a while',
    (s) => ({ type: 'reset_peer', attributes: { timeout: s.after ?? 0 } }),
  ),
  toxicKind('slow-close', { delay: { help: 'delay before a close', required: true } }, 'closes delayed', (s) => ({
    type: 'slow_close',
    attributes: { delay: s.delay ?? 0 },
  })),
  toxicKind(
    'slicer',
    { size: { help: 'average slice size in bytes (default 64)' }, delay: { help: 'delay between slices' } },
    'data cut into small slices',
    // Toxiproxy's slicer delay is in microseconds.
    (s) => ({
      type: 'slicer',
      attributes: { average_size: s.size ?? 64, size_variation: Math.floor((s.size ?? 64) / 2), delay: Math.round((s.delay ?? 0) * 1000) },
    }),
  ),
  toxicKind(
    'limit-data',
    { bytes: { help: 'bytes before the connection is closed', required: true } },
    'connections closed after N bytes',
    (s) => ({
      type: 'limit_data',
      attributes: { bytes: s.bytes ?? 0 },
    }),
  ),
  defineKind({
    name: 'link-down',
    family: 'link',
    target: TARGET,
    params: {},
    does: 'connections opened from the cut side refused (proxies disabled)',
    inverse: 'its proxies enabled again, unless another active fault holds them',
    effects(plan, spec) {
      const directions = parseLinkTarget(plan, spec.target);
      // A disabled proxy refuses connections opened from its gateway's side of the link.
      const disabled = directions.flatMap(([from, to]) =>
        plan.gateways
          .filter((g) => g.region === from)
          .flatMap((g) => g.proxies.filter((p) => p.toRegion === to).map((p) => ({ gateway: g.region, proxy: p.name }))),
      );
      return { directions, toxics: [], disabled, nodes: [] };
    },
  }),
] as const;
