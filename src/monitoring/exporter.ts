import type { FaultRecord } from '../faults/log.js';
import { CompletedOps, type History, type Op } from '../workload/history.js';
import { nodeIndex, servingRegion } from '../workload/queries.js';

/**
 * fedsim's own metrics in Prometheus' text format, from the run's history and fault log: operations
 * and their outcomes, a latency histogram of the successful ones, and a gauge per fault kind and
 * target. Each render reads only the operations completed since the previous one.
 */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;
const escaped = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labelText = (l: Labels) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${escaped(v)}"`)
    .join(',')}}`;

interface Histogram {
  labels: Labels;
  buckets: number[];
  count: number;
  sum: number;
}

export class MetricsExporter {
  private readonly completed: CompletedOps;
  private readonly operations = new Map<string, { labels: Labels; value: number }>();
  private readonly latency = new Map<string, Histogram>();
  private readonly nodes: ReturnType<typeof nodeIndex>;

  constructor(
    private readonly history: History,
    private readonly faults: () => FaultRecord[],
  ) {
    this.nodes = nodeIndex(history);
    this.completed = new CompletedOps(history);
  }

  private count(op: Op): void {
    const target = { client_region: op.region, target_cluster: op.cluster, target_region: servingRegion(this.history, this.nodes, op) };
    const counted = { ...target, kind: op.kind, outcome: op.outcome };
    const key = labelText(counted);
    const c = this.operations.get(key) ?? { labels: counted, value: 0 };
    c.value++;
    this.operations.set(key, c);
    if (op.outcome !== 'ok') return;
    const timed = { ...target, cross_region: String(target.client_region !== target.target_region) };
    const hkey = labelText(timed);
    let h = this.latency.get(hkey);
    if (!h) {
      h = { labels: timed, buckets: LATENCY_BUCKETS_S.map(() => 0), count: 0, sum: 0 };
      this.latency.set(hkey, h);
    }
    const seconds = (op.complete! - op.invoke) / 1000;
    LATENCY_BUCKETS_S.forEach((le, i) => {
      if (seconds <= le) h.buckets[i]!++;
    });
    h.count++;
    h.sum += seconds;
  }

  render(): string {
    for (const op of this.completed.next()) this.count(op);
    const out = [
      '# HELP fedsim_operations_total Workload operations by client region, target cluster and region, kind and outcome.',
      '# TYPE fedsim_operations_total counter',
      ...[...this.operations.values()].map((c) => `fedsim_operations_total${labelText(c.labels)} ${c.value}`),
      '# HELP fedsim_operation_seconds Latency of successful workload operations.',
      '# TYPE fedsim_operation_seconds histogram',
    ];
    for (const h of this.latency.values()) {
      LATENCY_BUCKETS_S.forEach((le, i) => {
        out.push(`fedsim_operation_seconds_bucket${labelText({ ...h.labels, le: String(le) })} ${h.buckets[i]}`);
      });
      out.push(`fedsim_operation_seconds_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
      out.push(`fedsim_operation_seconds_count${labelText(h.labels)} ${h.count}`);
      out.push(`fedsim_operation_seconds_sum${labelText(h.labels)} ${h.sum}`);
    }
    out.push('# HELP fedsim_fault_active 1 while a fault of this kind on this target is in effect.', '# TYPE fedsim_fault_active gauge');
    const active = new Map<string, number>();
    for (const f of this.faults()) {
      const key = labelText({ kind: f.kind, target: f.target });
      active.set(key, (active.get(key) ?? 0) + (f.effect && !f.undone && !f.error ? 1 : 0));
    }
    for (const [key, v] of active) out.push(`fedsim_fault_active${key} ${v}`);
    return `${out.join('\n')}\n`;
  }
}
