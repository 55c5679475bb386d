import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Clock } from '../../src/clock.js';
import { FaultLog } from '../../src/faults/log.js';
import type { AlertLine } from '../../src/monitoring/alerts.js';
import { EVALUATION_INTERVAL_S, GROUP_WAIT_S, SCRAPE_INTERVAL_S } from '../../src/monitoring/config.js';
import { MetricsExporter } from '../../src/monitoring/exporter.js';
import { MonitoringServer } from '../../src/monitoring/server.js';
import { connectEngine } from '../../src/runtime/engine.js';
import { Faults } from '../../src/runtime/faults.js';
import { attach } from '../../src/runtime/federation.js';
import { resolveImage } from '../../src/runtime/images.js';
import { LABEL } from '../../src/runtime/labels.js';
import { monitoringUrls } from '../../src/runtime/monitoring.js';
import { federationNames, removeFederation } from '../../src/runtime/removal.js';
import { HistoryWriter } from '../../src/workload/history.js';
import { WorkloadSchema } from '../../src/workload/spec.js';
import { historyMeta, WorkloadRun } from '../../src/workload/workload.js';
import { expectSameVerdictAgain, fedsimRun, root } from './fedsim.js';

/** Monitoring against the real Prometheus, Alertmanager and promtool of fedsim's images. */
const out = mkdtempSync(join(tmpdir(), 'fedsim-alerts-'));

afterAll(async () => {
  await removeFederation(await connectEngine(), 'alerting');
});

/** `promtool check rules FILE` in the Prometheus image; its exit code and output. */
async function promtool(rulesDir: string): Promise<{ code: number; output: string }> {
  const engine = await connectEngine();
  const image = await resolveImage(engine, 'prometheus', 'auto', () => undefined);
  const container = await engine.create({
    Image: image.ref,
    Entrypoint: ['promtool', 'check', 'rules', '/rules/alerts.yml'],
    Labels: { [LABEL.managed]: 'true', [LABEL.role]: 'test' },
    HostConfig: { Binds: [`${rulesDir}:/rules:ro`] },
  });
  try {
    await engine.start(container);
    const code = await engine.waitExit(container);
    return { code, output: await engine.logs(container) };
  } finally {
    await engine.remove(container);
  }
}

describe('alert rules', () => {
  it('pass promtool check rules, which does catch a broken rule', async () => {
    const good = await promtool(join(root, 'docker/prometheus'));
    expect(good.output).toMatch(/SUCCESS: 4 rules found/);
    expect(good.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'fedsim-rules-'));
    chmodSync(dir, 0o755); // readable by the image's prometheus user
    const text = readFileSync(join(root, 'docker/prometheus/alerts.yml'), 'utf8');
    writeFileSync(join(dir, 'alerts.yml'), text.replace('up{job="cassandra"} == 0', 'up{job="cassandra" == 0'), { mode: 0o644 });
    const bad = await promtool(dir);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/FAILED:[\s\S]*parse error/);
  }, 60_000);
});

describe('a monitored federation', () => {
  it('a scenario with alert expectations passes, with the delays in its report and alerts.jsonl', async () => {
    const dir = join(out, 'pass');
    const r = await fedsimRun([join(root, 'test/fixtures/alert-node-down.yaml'), '--out', dir]);
    expect(r.code, `${r.stdout}\n${r.stderr.slice(-3000)}`).toBe(0);
    expect(r.stdout).toMatch(
      /holds +alert FedsimNodeDown after timeline\[0\] +kill worker-eu-eu-west-1-1: fired \d+\.\d s after it took effect, resolved \d+\.\d s after it was undone/,
    );
    expect(r.stdout).toMatch(/holds +alert FedsimWriteErrors after timeline\[0\] +kill worker-eu-eu-west-1-1: fired/);
    const alerts = readFileSync(join(dir, 'alerts.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AlertLine);
    expect(alerts.some((a) => a.alert === 'FedsimNodeDown' && a.status === 'firing' && a.labels.node === 'worker-eu-eu-west-1-1')).toBe(
      true,
    );
    expect(alerts.some((a) => a.alert === 'FedsimNodeDown' && a.status === 'resolved')).toBe(true);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.expectations.map((e: { name: string }) => e.name)).toContain('alert FedsimNodeDown after timeline[0]');
    await expectSameVerdictAgain(dir, report);
  }, 240_000);

  it("a node kill fires FedsimNodeDown in Alertmanager and at fedsim's webhook within the rule's for plus a scrape; heal resolves it; every dashboard query returns data", async () => {
    const engine = await connectEngine();
    const fed = await attach(engine, 'alerting');
    const urls = (await monitoringUrls(engine, fed.plan))!;
    const clock = new Clock();
    const log = new FaultLog();
    const history = new HistoryWriter(historyMeta(fed, WorkloadSchema.parse({}), clock));
    const told: AlertLine[] = [];
    const server = await MonitoringServer.start(fed.plan, {
      exporter: new MetricsExporter(history.history, () => log.records()),
      clock,
      onAlert: (l) => told.push(l),
    });
    const faults = new Faults(fed, { clock, log });
    const workload = new WorkloadRun(fed, WorkloadSchema.parse({ workspaces: 2, rate: 20, locality: 0.5, timeout: '2s' }), {
      clock,
      history,
    });
    try {
      await workload.setup();
      const running = workload.run(30_000);
      await new Promise((r) => setTimeout(r, 6000));
      const kill = await faults.inject({ kind: 'kill', target: 'worker-eu-eu-west-1-1' });
      let inApi: number | undefined;
      while (clock.now() - kill.effect!.t < 30_000 && inApi === undefined) {
        const active = (await (await fetch(`${urls.alertmanager}/api/v2/alerts?active=true`)).json()) as {
          labels: Record<string, string>;
        }[];
        if (active.some((a) => a.labels.alertname === 'FedsimNodeDown' && a.labels.node === 'worker-eu-eu-west-1-1')) inApi = clock.now();
        else await new Promise((r) => setTimeout(r, 200));
      }
      // Alertmanager lists the alert as soon as Prometheus sends it; it tells the webhook after its group wait.
      const firing = () => told.find((a) => a.alert === 'FedsimNodeDown' && a.status === 'firing');
      while (clock.now() - kill.effect!.t < 30_000 && !firing()) await new Promise((r) => setTimeout(r, 200));
      const fired = firing();
      // The rule's `for` (4 s) plus a scrape, an evaluation and Alertmanager's group wait, and 3 s of slack for a loaded machine.
      const bound = (4 + SCRAPE_INTERVAL_S + EVALUATION_INTERVAL_S + GROUP_WAIT_S + 3) * 1000;
      expect(inApi, 'FedsimNodeDown in the Alertmanager API').toBeDefined();
      expect(inApi! - kill.effect!.t).toBeLessThanOrEqual(bound);
      expect(fired, 'FedsimNodeDown at the webhook').toBeDefined();
      expect(fired!.t - kill.effect!.t).toBeLessThanOrEqual(bound + 1000);

      // Every panel query of the Grafana dashboard, and its fault annotation, returns data now.
      const dashboard = JSON.parse(readFileSync(join(root, 'docker/grafana/dashboards/federation.json'), 'utf8'));
      const exprs: string[] = [
        ...dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr)),
        ...dashboard.annotations.list.map((a: { target: { expr: string } }) => a.target.expr),
      ];
      for (const expr of exprs) {
        const res = (await (await fetch(`${urls.prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as {
          status: string;
          data: { result: unknown[] };
        };
        expect(res.status, expr).toBe('success');
        expect(res.data.result.length, expr).toBeGreaterThan(0);
      }

      const healed = clock.now();
      await faults.heal();
      await running;
      while (clock.now() - healed < 40_000 && !told.some((a) => a.alert === 'FedsimNodeDown' && a.status === 'resolved'))
        await new Promise((r) => setTimeout(r, 200));
      expect(told.some((a) => a.alert === 'FedsimNodeDown' && a.status === 'resolved')).toBe(true);
    } finally {
      await faults.heal();
      await server.close();
      await fed.close();
    }
  }, 200_000);

  it('a scenario whose alert cannot fire in time fails, with the delay reported', async () => {
    const r = await fedsimRun([join(root, 'test/fixtures/alert-too-slow.yaml'), '--out', join(out, 'slow')]);
    expect(r.code, r.stderr.slice(-3000)).toBe(1);
    expect(r.stderr).toMatch(/reused federation alerting/);
    expect(r.stdout).toMatch(/FAILS +alert FedsimNodeDown after timeline\[0\] +fired \d+\.\d s after the fault took effect > 1\.0 s/);
    await expectSameVerdictAgain(join(out, 'slow'), JSON.parse(readFileSync(join(out, 'slow', 'report.json'), 'utf8')));
    expect(await federationNames(await connectEngine())).not.toContain('alerting');
  }, 240_000);
});
