import { existsSync, readFileSync } from 'node:fs';
import { FedsimError, reason } from '../errors.js';

/**
 * What a run keeps of its Prometheus: the raw samples of the metrics a checker judges (today the
 * vmagents' remote-write metrics), on the run's clock, with which agent writes to which store. The
 * runner writes it as metrics.json in the run folder; `fedsim check` reads it back.
 */
export interface MetricSeries {
  name: string;
  labels: Record<string, string>;
  /** [ms on the run's clock, value], in time order. */
  samples: [number, number][];
}

/** One remote-write path: an agent replica in its region writing to a store replica in its region. */
export interface RemoteWritePath {
  layout: string;
  agent: string;
  replica: string;
  region: string;
  store: string;
  storeReplica: string;
  storeRegion: string;
}

export interface RunMetrics {
  paths: RemoteWritePath[];
  series: MetricSeries[];
  /** Why the samples could not be had (Prometheus did not answer): the checker says unknown. */
  error?: string;
}

export function loadMetrics(file: string): RunMetrics | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RunMetrics;
  } catch (err) {
    throw new FedsimError(`${file}: not a metrics file (${reason(err)}).`);
  }
}
