import { describe, expect, it } from 'vitest';
import { RemoteWriteOptionsSchema, remoteWrite, vmrangeQuantile } from '../../src/checkers/remote-write.js';
import { SamplesOptionsSchema, samples } from '../../src/checkers/samples.js';
import type { FaultRecord } from '../../src/faults/log.js';
import { remoteWritePaths } from '../../src/monitoring/collect.js';
import { grafanaServiceDatasources, prometheusConfig } from '../../src/monitoring/config.js';
import type { MetricSeries, RunMetrics } from '../../src/monitoring/metrics.js';
import { remoteWriteSummary } from '../../src/report/remote-write.js';
import { CATALOG } from '../../src/runtime/catalog.js';
import { loadTopology } from '../../src/topology/file.js';
import { planFederation } from '../../src/topology/plan.js';
import { SERVICE_COMPONENTS } from '../../src/topology/services.js';
import type { FinalReadLine, History, MetaLine, Op } from '../../src/workload/history.js';

/** The VictoriaMetrics story's pure parts: the plan of its topology, and its two checkers on hand-made evidence. */

function history(ops: Op[], finalReads: FinalReadLine[] = []): History {
  const meta = { type: 'meta', federation: 'vm', shape: 'federation', regions: ['us', 'eu'], clusters: {} } as unknown as MetaLine;
  return { meta, runStart: 0, runEnd: 60_000, ops, finalReads, residency: [], exits: [] };
}

const fault = (over: Partial<FaultRecord>): FaultRecord => ({
  id: 'f1',
  kind: 'partition',
  target: 'us|eu',
  params: {},
  directions: [],
  nodes: [],
  asked: { t: 20_000, wall: '' },
  effect: { t: 20_100, wall: '' },
  undone: { t: 30_000, wall: '' },
  ...over,
});

// ---- remote-write -------------------------------------------------------------------------------

const paths: RunMetrics['paths'] = [
  { layout: 'centralized', agent: 'ag-c', replica: 'ag-c-eu-1', region: 'eu', store: 'vmc', storeReplica: 'vmc-us-1', storeRegion: 'us' },
  { layout: 'federated', agent: 'ag-f', replica: 'ag-f-eu-1', region: 'eu', store: 'vm', storeReplica: 'vm-eu-1', storeRegion: 'eu' },
];
const series = (name: string, replica: string, samples: [number, number][], labels: Record<string, string> = {}): MetricSeries => ({
  name,
  labels: { replica, ...labels },
  samples,
});
/** Every 2 s from 0 to 60 s, `per` observations in one bucket. */
function agent(replica: string, vmrange: string, opts: { errorsAt?: number; pending?: number; dropped?: number } = {}): MetricSeries[] {
  const ts = Array.from({ length: 31 }, (_, i) => i * 2000);
  return [
    series(
      'vmagent_remotewrite_duration_seconds_bucket',
      replica,
      ts.map((t, i) => [t, i * 4]),
      { vmrange },
    ),
    series(
      'vmagent_remotewrite_requests_total',
      replica,
      ts.map((t, i) => [t, i * 4]),
      { status_code: '2XX' },
    ),
    series(
      'vmagent_remotewrite_errors_total',
      replica,
      ts.map((t) => [t, opts.errorsAt !== undefined && t >= opts.errorsAt ? 3 : 0]),
    ),
    series(
      'vmagent_remotewrite_packets_dropped_total',
      replica,
      ts.map((t) => [t, t === 60_000 ? (opts.dropped ?? 0) : 0]),
    ),
    series(
      'vmagent_remotewrite_pending_data_bytes',
      replica,
      ts.map((t) => [t, t === 60_000 ? (opts.pending ?? 0) : 500]),
    ),
  ];
}
const options = RemoteWriteOptionsSchema.parse({
  agents: [
    { service: 'ag-c', layout: 'centralized', store: 'vmc' },
    { service: 'ag-f', layout: 'federated', store: 'vm' },
  ],
  latency: [{ pair: 'local', p50: '50ms' }],
});
const REMOTE = '1.468e-01...1.668e-01';
const LOCAL = '8.799e-04...1.000e-03';

describe('remote-write', () => {
  it('interpolates inside VictoriaMetrics buckets', () => {
    expect(vmrangeQuantile(new Map([[REMOTE, 10]]), 0.5)).toBeCloseTo(156.8, 1);
    expect(
      vmrangeQuantile(
        new Map([
          [LOCAL, 99],
          [REMOTE, 1],
        ]),
        0.5,
      ),
    ).toBeLessThan(1);
    expect(vmrangeQuantile(new Map(), 0.5)).toBeUndefined();
  });

  it('passes when failures stay inside a fault that touches the path, and gives p50/p99 per path', () => {
    const m: RunMetrics = { paths, series: [...agent('ag-c-eu-1', REMOTE, { errorsAt: 24_000 }), ...agent('ag-f-eu-1', LOCAL)] };
    const v = remoteWrite(options)({
      history: history([]),
      faults: [
        fault({
          directions: [
            ['us', 'eu'],
            ['eu', 'us'],
          ],
        }),
      ],
      metrics: m,
    });
    expect(v.status, v.summary).toBe('pass');
    const rows = v.evidence.rows as { pair: string; p50: number; errorsTouched: number; requests: number }[];
    expect(rows[0]).toMatchObject({ pair: 'eu->us', errorsTouched: 3 });
    expect(rows[0]!.p50).toBeGreaterThan(146);
    // Intervals overlapping the fault (asked 20 s, undone 30 s, plus 5 s settle) are left out.
    expect(rows[0]!.requests).toBe(120 - 4 * 8);
    expect(rows[1]!.p50).toBeLessThan(1);
    const summary = remoteWriteSummary([v]).join('\n');
    expect(summary).toMatch(/\| eu \| eu->us \| 157 ms \| 167 ms \| eu->eu \| 0\.9 ms \| 1\.0 ms \| 166\.8x \|/);
    expect(summary).toContain('| centralized | ag-c-eu-1 | eu->us | 88 | 0 | 3 | 0 | 0 |');
  });

  it('fails on a failure no fault touched, on dropped samples, on data pending at the end, and on a threshold', () => {
    const base = { history: history([]), faults: [] };
    const failed = remoteWrite(options)({
      ...base,
      metrics: { paths, series: [...agent('ag-c-eu-1', REMOTE, { errorsAt: 24_000 }), ...agent('ag-f-eu-1', LOCAL)] },
    });
    expect(failed.status).toBe('fail');
    expect(failed.summary).toMatch(/ag-c-eu-1 \(eu->us\): 3 failed request\(s\) while no fault touched it/);
    const dropped = remoteWrite(options)({
      ...base,
      metrics: { paths, series: [...agent('ag-c-eu-1', REMOTE, { dropped: 2 }), ...agent('ag-f-eu-1', LOCAL)] },
    });
    expect(dropped.summary).toMatch(/2 block\(s\) of samples dropped/);
    const pending = remoteWrite(options)({
      ...base,
      metrics: { paths, series: [...agent('ag-c-eu-1', REMOTE, { pending: 900 }), ...agent('ag-f-eu-1', LOCAL)] },
    });
    expect(pending.summary).toMatch(/900 bytes still pending at the end/);
    const slow = remoteWrite(options)({
      ...base,
      metrics: { paths, series: [...agent('ag-c-eu-1', REMOTE), ...agent('ag-f-eu-1', REMOTE)] },
    });
    expect(slow.status).toBe('fail');
    expect(slow.summary).toMatch(/federated eu->eu p50 1\d\d ms > 50 ms/);
  });

  it('says unknown without the metrics, when Prometheus failed, or when an agent was never seen', () => {
    const base = { history: history([]), faults: [] };
    expect(remoteWrite(options)(base).status).toBe('unknown');
    expect(remoteWrite(options)({ ...base, metrics: { paths, series: [], error: 'refused' } }).summary).toMatch(
      /could not be read: refused/,
    );
    const half = remoteWrite(options)({ ...base, metrics: { paths, series: agent('ag-c-eu-1', REMOTE) } });
    expect(half.status).toBe('unknown');
    expect(half.summary).toMatch(/ag-f-eu-1/);
  });
});

// ---- samples -------------------------------------------------------------------------------------

let id = 0;
const add = (key: string, element: number, outcome: Op['outcome'], t: number, cluster = 'ag-f-eu-1'): Op => ({
  id: ++id,
  region: 'eu',
  kind: 'write',
  workspace: key,
  cluster,
  element,
  invoke: t,
  complete: t + 1,
  outcome,
  workload: 'samples-eu',
});
const read = (workspace: string, elements: number[] | undefined, cluster = 'vm-eu-1'): FinalReadLine => ({
  type: 'final-read',
  t: 90_000,
  workspace,
  cluster,
  ...(elements ? { elements } : { error: 'timeout' }),
});
const pushes = [add('federated/eu', 1, 'ok', 1000), add('federated/eu', 2, 'ok', 2000), add('federated/eu', 3, 'fail', 3000)];
const opts = SamplesOptionsSchema.parse({ residency: ['federated'], global: ['federated'] });
const good = [read('federated/eu', [1, 2]), read('federated/eu@us', []), read('federated/eu@global', [1, 2], 'gq-us-1')];

describe('samples', () => {
  it('passes when every acknowledged sample is in its store, none elsewhere, all through the global layer', () => {
    const v = samples(opts)({ history: history(pushes, good), faults: [] });
    expect(v.status, v.summary).toBe('pass');
    expect(v.evidence.rows).toEqual([
      { key: 'federated/eu', sent: 3, acked: 2, found: 2, missing: 0, lost: 0, lostInKill: 0, unexpected: 0, foreign: 0, global: 2 },
    ]);
  });

  it('fails on a lost sample, a sample outside its region, one the global layer misses, one never pushed', () => {
    const lost = samples(opts)({ history: history(pushes, [read('federated/eu', [1]), ...good.slice(1)]), faults: [] });
    expect(lost.summary).toMatch(/federated\/eu: 1 acknowledged sample\(s\) missing from its store \(first 2\)/);
    const foreign = samples(opts)({ history: history(pushes, [good[0]!, read('federated/eu@us', [2]), good[2]!]), faults: [] });
    expect(foreign.summary).toMatch(/1 sample\(s\) found outside its region \(federated\/eu@us\)/);
    const blind = samples(opts)({ history: history(pushes, [good[0]!, good[1]!, read('federated/eu@global', [1])]), faults: [] });
    expect(blind.summary).toMatch(/global query layer misses 1/);
    const extra = samples(opts)({ history: history(pushes, [read('federated/eu', [1, 2, 3]), ...good.slice(1)]), faults: [] });
    expect(extra.summary).toMatch(/1 sample\(s\) never pushed are there/);
  });

  it('counts a loss before a kill of the store apart only when the scenario allows it', () => {
    const kill = fault({ kind: 'outage', target: 'eu', nodes: ['vm-eu-1'], asked: { t: 1500, wall: '' }, effect: { t: 2500, wall: '' } });
    const h = history(pushes, [read('federated/eu', [1]), good[1]!, read('federated/eu@global', [1], 'gq-us-1')]);
    expect(samples(opts)({ history: h, faults: [kill] }).status).toBe('fail');
    const allowed = samples({ ...opts, lossOnKill: true })({ history: h, faults: [kill] });
    expect(allowed.status, allowed.summary).toBe('pass');
    expect(allowed.summary).toMatch(/1 of 2 acknowledged samples of 1 series found in their stores; the other 1 were pushed before a kill/);
    // Pushed after the kill took effect: lost whatever the option says.
    const late = history([...pushes, add('federated/eu', 4, 'ok', 5000)], [read('federated/eu', [1, 2]), ...good.slice(1)]);
    expect(samples({ ...opts, lossOnKill: true })({ history: late, faults: [kill] }).status).toBe('fail');
  });

  it('says unknown without a read of the store or of the other regions, and with nothing acknowledged', () => {
    expect(samples(opts)({ history: history(pushes, [read('federated/eu', undefined), ...good.slice(1)]), faults: [] }).status).toBe(
      'unknown',
    );
    expect(samples(opts)({ history: history(pushes, [good[0]!, good[2]!]), faults: [] }).status).toBe('unknown');
    expect(samples(opts)({ history: history([add('federated/eu', 1, 'fail', 1)], good), faults: [] }).status).toBe('unknown');
  });
});

// ---- the library's topology ------------------------------------------------------------------------

describe('the VictoriaMetrics topology', () => {
  const p = planFederation(loadTopology('topologies/victoria-metrics.yaml'), 'victoria-metrics', 0);

  it("runs fedsim's own recipe, and every component a service may name has one", () => {
    for (const c of SERVICE_COMPONENTS) expect(CATALOG[c].recipe?.dir).toBe(c);
    expect(p.services.filter((s) => s.component === 'victoria-metrics').length).toBe(5);
  });

  it("Prometheus scrapes every agent's own metrics, labelled with its replica and region", () => {
    const config = prometheusConfig(p);
    for (const r of p.replicas.filter((x) => x.service.startsWith('vmagent'))) expect(config).toContain(`${r.address}:8429`);
    expect(config).toContain('job_name: service-vmagent-c');
    expect(config).not.toContain('job_name: service-vm-central');
  });

  it("where Grafana runs it gets a datasource per region's store and one for the global layer (option A)", () => {
    const yaml = grafanaServiceDatasources(p)!;
    for (const name of ['vm-central us-east-1', 'vm us-east-1', 'vm eu-west-1', 'vm ap-southeast-1', 'global-query us-east-1'])
      expect(yaml).toContain(`name: ${name}\n`);
    const eu = p.replicas.find((r) => r.name === 'vm-eu-west-1-1')!;
    expect(yaml).toContain(`url: http://${eu.address}:8428\n`);
    expect(yaml.match(/type: prometheus/g)?.length).toBe(5);
  });

  it('each centralized agent writes across the links to us-east-1, each federated one in its own region', () => {
    const rw = remoteWritePaths(
      p,
      RemoteWriteOptionsSchema.parse({
        agents: [
          { service: 'vmagent-c', layout: 'centralized', store: 'vm-central' },
          { service: 'vmagent-f', layout: 'federated', store: 'vm' },
        ],
      }),
    );
    expect(rw.map((x) => `${x.layout} ${x.region}->${x.storeRegion}`)).toEqual([
      'centralized us-east-1->us-east-1',
      'centralized eu-west-1->us-east-1',
      'centralized ap-southeast-1->us-east-1',
      'federated us-east-1->us-east-1',
      'federated eu-west-1->eu-west-1',
      'federated ap-southeast-1->ap-southeast-1',
    ]);
  });
});
