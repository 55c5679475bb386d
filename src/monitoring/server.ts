import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Clock } from '../clock.js';
import { FedsimError, reason } from '../errors.js';
import type { Plan } from '../topology/plan.js';
import type { AlertLine } from './alerts.js';
import type { MetricsExporter } from './exporter.js';

/**
 * What fedsim serves while it runs a scenario on a monitored federation, on the host address its
 * Prometheus and Alertmanager reach: /metrics (fedsim's own metrics) and /alerts (Alertmanager's
 * webhook). Every alert's firing and resolving is recorded once, with the run's clock, in
 * alerts.jsonl beside the fault log.
 */
interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  fingerprint: string;
}

export interface MonitoringServerOptions {
  exporter: MetricsExporter;
  clock: Clock;
  /** alerts.jsonl */
  file?: string;
  onAlert?: (line: AlertLine) => void;
}

export class MonitoringServer {
  private readonly lines: AlertLine[] = [];
  /** fingerprint -> last status told, so a repeated notification is not a new event. */
  private readonly last = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    private readonly opts: MonitoringServerOptions,
  ) {}

  static start(plan: Plan, opts: MonitoringServerOptions): Promise<MonitoringServer> {
    const m = plan.monitoring;
    if (!m) throw new Error(`federation ${plan.federation} has no monitoring`);
    // There from the start, so a run no alert reached says so too (`fedsim check` reads it).
    if (opts.file) writeFileSync(opts.file, '');
    let self: MonitoringServer | undefined;
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(opts.exporter.render());
        return;
      }
      if (req.method === 'POST' && req.url === '/alerts') {
        let body = '';
        req.on('data', (d) => {
          body += d;
        });
        req.on('end', () => {
          try {
            self?.receive(JSON.parse(body) as { alerts?: WebhookAlert[] });
            res.writeHead(200).end();
          } catch (err) {
            res.writeHead(400).end(reason(err));
          }
        });
        return;
      }
      res.writeHead(404).end();
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const where = `${m.fedsim.host}:${m.fedsim.port}`;
        reject(
          new FedsimError(
            err.code === 'EADDRINUSE'
              ? `Port ${where} is in use: is another run on federation ${plan.federation} going? fedsim serves its metrics and alert webhook there.`
              : `Cannot serve fedsim's metrics at ${where} (${reason(err)}); Prometheus and Alertmanager reach fedsim there.`,
          ),
        );
      });
      server.listen(m.fedsim.port, m.fedsim.host, () => {
        self = new MonitoringServer(server, opts);
        resolve(self);
      });
    });
  }

  private receive(payload: { alerts?: WebhookAlert[] }): void {
    for (const a of payload.alerts ?? []) {
      if (this.last.get(a.fingerprint) === a.status) continue;
      this.last.set(a.fingerprint, a.status);
      const at = this.opts.clock.at();
      const line: AlertLine = {
        type: 'alert',
        t: at.t,
        wall: at.wall,
        status: a.status,
        alert: a.labels.alertname ?? '?',
        fingerprint: a.fingerprint,
        labels: a.labels,
        startsAt: a.startsAt,
        ...(a.status === 'resolved' && { endsAt: a.endsAt }),
        summary: a.annotations?.summary,
      };
      this.lines.push(line);
      if (this.opts.file) appendFileSync(this.opts.file, `${JSON.stringify(line)}\n`);
      this.opts.onAlert?.(line);
    }
  }

  /** Every firing and resolving told so far, in order. */
  alerts(): AlertLine[] {
    return [...this.lines];
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
