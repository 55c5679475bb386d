import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import dashboardJson from '../../docker/grafana/dashboards/federation.json' with { type: 'json' };
import { checkAlert } from '../../src/checkers/alerts.js';
import type { FaultRecord } from '../../src/faults/log.js';
import type { AlertLine } from '../../src/monitoring/alerts.js';
import { alertmanagerConfig, prometheusConfig } from '../../src/monitoring/config.js';
import { MetricsExporter } from '../../src/monitoring/exporter.js';
import { loadScenario } from '../../src/scenarios/file.js';
import { planFederation } from '../../src/topology/plan.js';
import { parseTopology } from '../../src/topology/schema.js';
import { HistoryWriter } from '../../src/workload/history.js';
import { killRecord, metaLine } from './histories.js';

const root = join(import.meta.dirname, '../..');
const topology = parseTopology({
  shape: 'federation',
  regions: ['us', 'eu'],
  monitoring: 'on',
  clusters: [
    { name: 'main', role: 'main', nodes: { us: 1 } },
    { name: 'worker', role: 'worker', nodes: { eu: 2 } },
  ],
});
const plan = planFederation(topology, 'mon', 3);

describe('monitoring configuration', () => {
  it('`monitoring: on` (a YAML string) and true both turn it on; off by default', () => {
    expect(topology.monitoring).toBe(true);
    expect(parseTopology({ ...topology, monitoring: 'off' }).monitoring).toBe(false);
    expect(planFederation(parseTopology({ ...topology, monitoring: undefined }), 'x', 0).monitoring).toBeUndefined();
  });

  it("Prometheus scrapes every node's exporter, every gateway and fedsim, and sends to Alertmanager", () => {
    const c = parse(prometheusConfig(plan));
    const jobs = Object.fromEntries(c.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
    expect(jobs.cassandra.static_configs.map((s: { targets: string[] }) => s.targets[0])).toEqual(
      plan.nodes.map((n) => `${n.address}:7070`),
    );
    expect(jobs.cassandra.static_configs[1].labels).toEqual({ node: 'worker-eu-1', cluster: 'worker', region: 'eu' });
    expect(jobs.gateway.static_configs).toHaveLength(2);
    expect(jobs.fedsim.static_configs[0].targets).toEqual([`${plan.networks[0]!.bridge}:19103`]);
    expect(c.alerting.alertmanagers[0].static_configs[0].targets).toEqual([`${plan.monitoring!.alertmanager.addresses.us}:9093`]);
    expect(c.rule_files).toEqual(['/etc/prometheus/fedsim-alerts.yml']);
  });

  it("Alertmanager sends every alert, and its resolution, to fedsim's webhook", () => {
    const c = parse(alertmanagerConfig(plan));
    expect(c.receivers[0].webhook_configs[0]).toEqual({ url: `http://${plan.networks[0]!.bridge}:19103/alerts`, send_resolved: true });
  });

  it('alert expectations are refused without monitoring, or on a step that is not a fault', () => {
    expect(() => loadScenario(join(root, 'test/fixtures/bad/s-alert-without-monitoring.yaml'))).toThrow(
      /expect\.alerts\[0\]: alert expectations need `monitoring: on` in the topology/,
    );
    expect(() => loadScenario(join(root, 'test/fixtures/bad/s-alert-on-heal-step.yaml'))).toThrow(
      /expect\.alerts\[0\]\.fault: timeline\[1\] is not a fault step/,
    );
  });
});

describe("fedsim's metrics", () => {
  it('counts operations by outcome, times the successful ones per pair, and shows active faults', () => {
    const w = new HistoryWriter(metaLine());
    const faults: FaultRecord[] = [];
    const exporter = new MetricsExporter(w.history, () => faults);
    w.add({ type: 'invoke', id: 1, t: 0, region: 'us', kind: 'write', workspace: 'a', cluster: 'w', element: 1 });
    w.add({ type: 'invoke', id: 2, t: 0, region: 'eu', kind: 'write', workspace: 'b', cluster: 'w', element: 2 });
    w.add({ type: 'ok', id: 1, t: 180, coordinator: 'w-eu-1' });
    // Still in flight at the first scrape: counted at the next.
    expect(exporter.render()).toMatch(
      /fedsim_operations_total\{client_region="us",target_cluster="w",target_region="eu",kind="write",outcome="ok"\} 1/,
    );
    w.add({ type: 'fail', id: 2, t: 20, error: 'x' });
    faults.push(killRecord());
    const text = exporter.render();
    expect(text).toMatch(
      /fedsim_operations_total\{client_region="eu",target_cluster="w",target_region="eu",kind="write",outcome="fail"\} 1/,
    );
    expect(text).toMatch(
      /fedsim_operation_seconds_bucket\{client_region="us",target_cluster="w",target_region="eu",cross_region="true",le="0.1"\} 0/,
    );
    expect(text).toMatch(
      /fedsim_operation_seconds_bucket\{client_region="us",target_cluster="w",target_region="eu",cross_region="true",le="0.25"\} 1/,
    );
    expect(text).toMatch(
      /fedsim_operation_seconds_count\{client_region="us",target_cluster="w",target_region="eu",cross_region="true"\} 1/,
    );
    expect(text).toMatch(/fedsim_fault_active\{kind="kill",target="w-eu-1"\} 1/);
    faults[0]!.undone = { t: 2, wall: '' };
    expect(exporter.render()).toMatch(/fedsim_fault_active\{kind="kill",target="w-eu-1"\} 0/);
  });
});

describe('alert expectations', () => {
  const fault = killRecord({ asked: { t: 9_900, wall: '' }, effect: { t: 10_000, wall: '' }, undone: { t: 30_000, wall: '' } });
  const line = (t: number, status: 'firing' | 'resolved', fingerprint = 'a'): AlertLine => ({
    type: 'alert',
    t,
    wall: '',
    status,
    alert: 'FedsimNodeDown',
    fingerprint,
    labels: { alertname: 'FedsimNodeDown', node: 'w-eu-1' },
    startsAt: '',
  });
  const e = { alert: 'FedsimNodeDown', fault: 0, firesWithin: 15_000, resolvesWithin: 20_000 };

  it('hold when the alert fires and resolves in time, with the delays', () => {
    const v = checkAlert(e, [line(5_000, 'firing', 'old'), line(18_000, 'firing'), line(41_000, 'resolved')], fault);
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('kill w-eu-1: fired 8.0 s after it took effect, resolved 11.0 s after it was undone');
    expect(v.evidence).toMatchObject({ firedAfter: 8_000, resolvedAfter: 11_000 });
  });

  it('fail when it fires too late, never resolves, or never fires, with the delay', () => {
    expect(checkAlert({ ...e, firesWithin: 5_000 }, [line(18_000, 'firing'), line(41_000, 'resolved')], fault).summary).toMatch(
      /^fired 8\.0 s after the fault took effect > 5\.0 s/,
    );
    expect(checkAlert(e, [line(18_000, 'firing'), line(41_000, 'resolved', 'other')], fault).summary).toMatch(
      /^FedsimNodeDown never resolved after the fault was undone/,
    );
    // One that fired before the fault is not this fault's alert.
    expect(checkAlert(e, [line(5_000, 'firing')], fault).summary).toBe('FedsimNodeDown never fired after kill w-eu-1 took effect');
  });
});

describe('the Grafana dashboard', () => {
  it('type-checks as a Grafana dashboard and queries only the provisioned Prometheus', () => {
    const dashboard: Dashboard = dashboardJson;
    const datasource = parse(readFileSync(join(root, 'docker/grafana/provisioning/datasources/fedsim.yml'), 'utf8')).datasources[0];
    expect(dashboard.panels?.length).toBeGreaterThanOrEqual(6);
    for (const p of dashboardJson.panels) {
      expect(p.datasource.uid).toBe(datasource.uid);
      expect(p.targets.length).toBeGreaterThan(0);
    }
    expect(dashboardJson.annotations.list[0]!.target.expr).toBe('fedsim_fault_active > 0');
  });
});
