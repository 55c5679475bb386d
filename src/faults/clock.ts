import { FedsimError } from '../errors.js';
import { defineKind } from './kind.js';
import { PICK, selectNodes } from './node.js';

/**
 * Clock skew on a database node: libfaketime, preloaded into every Cassandra node's JVM by fedsim's
 * image, follows a file that holds the offset; the fault writes the offset there and the node's
 * wall clock (`now()`, the write timestamps of last-write-wins) moves at once, without a restart.
 * Time namespaces cannot do this: they shift monotonic and boot time, never the wall clock.
 */
export const CLOCK_KINDS = [
  defineKind({
    name: 'clock',
    family: 'node',
    target: 'NODE, region:R, cluster:C or all',
    params: {
      offset: { help: 'added to the node’s wall clock (negative: behind)', required: true },
      ...PICK,
    },
    does: "the node's wall clock moved by an offset (libfaketime in its JVM), at run time",
    inverse: 'the offset set back to zero',
    updatable: true,
    effects(plan, spec) {
      // Database nodes only: a region's service replicas run images fedsim did not build.
      const selected = selectNodes(plan, spec.target, spec.pick, spec.seed);
      const nodes = selected.filter((n) => 'flavor' in n);
      const clocks = (nodes.length ? nodes : selected).map((n) => {
        if (!('flavor' in n) || n.flavor !== 'cassandra')
          throw new FedsimError(
            `clock skews Cassandra nodes of fedsim's image (libfaketime in the JVM); ${n.name} is ${'service' in n ? `a replica of service ${n.service}` : `a ${n.flavor} node`}.`,
          );
        return { node: n.name, container: n.container, offsetSeconds: (spec.offset ?? 0) / 1000 };
      });
      return { directions: [], toxics: [], disabled: [], nodes: [], clocks };
    },
  }),
] as const;
