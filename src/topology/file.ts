import { parseWith, readDocument } from './load.js';
import { type Topology, TopologySchema } from './schema.js';

/** Reads and validates a topology file; a one-line FedsimError naming the bad field otherwise. */
export function loadTopology(file: string): Topology {
  return parseWith(TopologySchema, readDocument(file), file);
}
