import { answersCql } from './cql.js';
import type { Federation } from './federation.js';
import { LABEL, labelFilter } from './labels.js';

/** A node as a person would say it is; shown by the run's views (scenarios/events.ts carries it). */
export type NodeState = 'up' | 'starting' | 'paused' | 'down';

/** A container's state (Docker's word) as a node's: running is up as far as Docker can tell. */
export function nodeStateOfContainer(state: string | undefined): 'up' | 'paused' | 'down' {
  return state === 'running' ? 'up' : state === 'paused' ? 'paused' : 'down';
}

/**
 * Each node's state as a person would say it: down (its container is not running), paused, starting
 * (running but not answering CQL yet) or up. One engine call for all containers, then a raw CQL
 * probe of each running node through its own region's gateway.
 */
export async function nodeStates(fed: Federation): Promise<Record<string, NodeState>> {
  const containers = await fed.engine.containers(labelFilter(fed.name));
  const byName = new Map(containers.map((c) => [c.labels[LABEL.node], c]));
  const entries = await Promise.all(
    fed.plan.nodes.map(async (n): Promise<[string, NodeState]> => {
      const c = byName.get(n.name);
      const seen = nodeStateOfContainer(c?.state);
      if (seen !== 'up') return [n.name, seen];
      const endpoint = fed.endpoints[n.region]?.[n.address];
      return [n.name, endpoint && (await answersCql(endpoint, 1000)) ? 'up' : 'starting'];
    }),
  );
  return Object.fromEntries(entries);
}

/** Calls `report` with the node states every `everyMs` until the returned stop is called. */
export function watchNodes(fed: Federation, report: (states: Record<string, NodeState>) => void, everyMs = 2000): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      const states = await nodeStates(fed);
      if (!stopped) report(states);
    } catch {
      // The engine may be busy or the federation going down; the next tick tries again.
    }
    if (!stopped) timer = setTimeout(tick, everyMs);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
