/**
 * The image catalog: for every component, the pinned registry image that users who can pull run,
 * and the local recipe under docker/ that builds here with no registry. Pure data.
 */
export type ComponentName = 'base' | 'cassandra' | 'scylla' | 'toxiproxy' | 'prometheus' | 'alertmanager' | 'grafana' | 'victoria-metrics';

/** How a local recipe gets the artefacts it copies in, fetched on the host before `docker build`. */
export type Staging =
  | { kind: 'debootstrap' }
  /** `wheels`: Python packages (name -> version) for the image's own Python 3.11, fetched from PyPI into wheels/. */
  | { kind: 'maven'; properties: Record<string, string>; wheels?: Record<string, string> }
  | { kind: 'go-install'; packages: Record<string, string>; ldflags: string }
  | { kind: 'none' };

export interface Component {
  name: ComponentName;
  version: string;
  /** Pinned image for users with a registry. */
  registry: string;
  /** Folder under docker/; absent when no local recipe exists here. */
  recipe?: { dir: string; staging: Staging };
  /** Said wherever the component matters and cannot be built here. */
  note?: string;
}

export const CASSANDRA_VERSION = '5.0.8';
export const TOXIPROXY_VERSION = '2.12.0';

export const CATALOG: Record<ComponentName, Component> = {
  base: {
    name: 'base',
    version: 'bookworm',
    registry: 'debian:bookworm-slim',
    recipe: { dir: 'base', staging: { kind: 'debootstrap' } },
  },
  cassandra: {
    name: 'cassandra',
    version: CASSANDRA_VERSION,
    registry: `cassandra:${CASSANDRA_VERSION}`,
    recipe: {
      dir: 'cassandra',
      staging: {
        kind: 'maven',
        properties: { 'cassandra.version': CASSANDRA_VERSION, 'jmx.exporter.version': '1.0.1' },
        // cqlsh, as ccm users run it (`fedsim cqlsh NODE`).
        wheels: { cqlsh: '6.2.2' },
      },
    },
  },
  scylla: {
    name: 'scylla',
    version: '6.2.3',
    registry: 'scylladb/scylla:6.2.3',
    note: 'ScyllaDB has no local recipe (it is in no package registry reachable here); Apache Cassandra stands in for it.',
  },
  toxiproxy: {
    name: 'toxiproxy',
    version: TOXIPROXY_VERSION,
    registry: `ghcr.io/shopify/toxiproxy:${TOXIPROXY_VERSION}`,
    recipe: {
      dir: 'toxiproxy',
      staging: {
        kind: 'go-install',
        packages: {
          'toxiproxy-server': `github.com/Shopify/toxiproxy/v2/cmd/server@v${TOXIPROXY_VERSION}`,
          'toxiproxy-cli': `github.com/Shopify/toxiproxy/v2/cmd/cli@v${TOXIPROXY_VERSION}`,
        },
        ldflags: `-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}`,
      },
    },
  },
  prometheus: {
    name: 'prometheus',
    version: '2.42',
    registry: 'prom/prometheus:v2.53.4',
    recipe: { dir: 'prometheus', staging: { kind: 'none' } },
  },
  alertmanager: {
    name: 'alertmanager',
    version: '0.25',
    registry: 'prom/alertmanager:v0.28.1',
    recipe: { dir: 'alertmanager', staging: { kind: 'none' } },
  },
  grafana: {
    name: 'grafana',
    version: '11.6.0',
    registry: 'grafana/grafana-oss:11.6.0',
    note: 'Grafana has no local recipe (no Debian package, its Go module cannot be installed, its frontend is in no npm package): it runs only where its registry image can be pulled.',
  },
  // A component of a user's story rather than of fedsim: services name it (`component:`) in the
  // library's VictoriaMetrics scenarios. One image holds the single-node server, vmagent, vmalert.
  'victoria-metrics': {
    name: 'victoria-metrics',
    version: '1.79.5',
    registry: 'victoriametrics/victoria-metrics:v1.79.5',
    recipe: { dir: 'victoria-metrics', staging: { kind: 'none' } },
    note: "The registry images split the binaries (victoriametrics/victoria-metrics, vmagent, vmalert; the cluster's vminsert, vmselect, vmstorage) under other paths, so services that name this component run the local recipe (Debian's package); the cluster components are in no package reachable here, and single-node servers stand in for per-region clusters.",
  },
};

/** Components whose local images the runtime needs, in build order (the base first). */
export const LOCAL_COMPONENTS: ComponentName[] = ['base', 'toxiproxy', 'prometheus', 'alertmanager', 'cassandra', 'victoria-metrics'];
