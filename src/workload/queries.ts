import type { History, Op } from './history.js';

/**
 * Questions asked of a history by more than one reader (the checkers, the metrics exporter, the
 * traffic view), so each asks them the same way. Pure.
 */

/** Node name -> its cluster and region, from the history's meta line. */
export function nodeIndex(h: History): Map<string, { cluster: string; region: string }> {
  const out = new Map<string, { cluster: string; region: string }>();
  for (const [cluster, info] of Object.entries(h.meta.clusters)) {
    for (const [node, region] of Object.entries(info.nodes)) out.set(node, { cluster, region });
  }
  return out;
}

/** The region that served an operation: its coordinator's, else its cluster's first. */
export function servingRegion(h: History, nodes: ReturnType<typeof nodeIndex>, op: Op): string {
  return (op.coordinator && nodes.get(op.coordinator)?.region) ?? h.meta.clusters[op.cluster]?.regions[0] ?? '?';
}
