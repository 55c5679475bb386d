import { dirname, resolve } from 'node:path';
import { FedsimError } from '../errors.js';
import { parseWith, readDocument } from './load.js';
import { type Topology, TopologySchema } from './schema.js';

/** Reads and validates a topology file; a one-line FedsimError naming the bad field otherwise. */
export function loadTopology(file: string): Topology {
  const doc = readDocument(file);
  // Also ends a scenario naming itself (or another scenario) as its topology: no reference is followed twice.
  if (typeof doc === 'object' && doc !== null && 'topology' in doc)
    throw new FedsimError(`${file}: is a scenario, not a topology; a scenario's \`topology:\` names a topology file or holds one inline.`);
  return withBuildPathsFrom(dirname(file), parseWith(TopologySchema, doc, file));
}

/** A service's `build:` directory is relative to the file that names it; made absolute here. */
export function withBuildPathsFrom(dir: string, t: Topology): Topology {
  return { ...t, services: t.services.map((s) => (s.build === undefined ? s : { ...s, build: resolve(dir, s.build) })) };
}
