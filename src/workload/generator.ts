import { seededRandom } from '../common/random.js';
import type { Consistency, Levels, Workload } from './spec.js';

/**
 * The operations a region's clients perform, as a pure, seeded sequence: the same seed and
 * workload give the same operations in the same order, whatever the timing of their execution.
 * Workspaces are named by the generator (`<region>-w<n>`), so later operations on a workspace
 * created earlier in the sequence are known in advance too.
 */
export type OpKind = 'create' | 'write' | 'read' | 'read-all';

export interface PlannedOp {
  kind: OpKind;
  workspace: string;
  /** A create: the workspace is homed on the Main Cluster rather than in the creator's region. */
  central?: boolean;
  /** The unique element a write inserts or a read looks up. */
  element?: number;
  /** Drawn when the workload mixes levels for this kind; otherwise the workload's one level applies. */
  consistency?: Consistency;
}

/** Unique across regions: the sequence number times 16 plus the region's index (at most 8 regions). */
export function elementOf(regionIndex: number, n: number): number {
  return n * 16 + regionIndex;
}

export class OpGenerator {
  private readonly random: () => number;
  private created = 0;
  private written = 0;
  /** Elements written per workspace, for single-key reads of something that may exist. */
  private readonly lastElement = new Map<string, number>();

  constructor(
    private readonly workload: Workload,
    private readonly region: string,
    private readonly regionIndex: number,
    /** Workspaces the other regions create up front (their initial sets), for remote requests. */
    private readonly remote: string[],
  ) {
    // One stream per region, derived from the seed.
    this.random = seededRandom((workload.seed * 1_000_003 + regionIndex * 7919) >>> 0);
  }

  /** The workspaces this region creates before the run. */
  initial(): PlannedOp[] {
    return Array.from({ length: this.workload.workspaces }, () => this.create());
  }

  private create(): PlannedOp {
    const n = this.created++;
    // Spread evenly, not drawn: `central` of every region's workspaces, whatever the seed.
    const central = Math.floor((n + 1) * this.workload.central) > Math.floor(n * this.workload.central);
    return { kind: 'create', workspace: `${this.region}-w${n}`, ...(central && { central }) };
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  /** A level drawn by weight, only when there is a mix: a single level draws nothing, so its seeds replay as before. */
  private level(levels: Levels): { consistency?: Consistency } {
    if (typeof levels === 'string') return {};
    const weighted = Object.entries(levels).filter(([, w]) => w! > 0) as [Consistency, number][];
    let r = this.random() * weighted.reduce((sum, [, w]) => sum + w, 0);
    for (const [consistency, w] of weighted) {
      r -= w;
      if (r < 0) return { consistency };
    }
    return { consistency: weighted.at(-1)![0] };
  }

  next(): PlannedOp {
    const { mix, locality, readAll } = this.workload;
    const total = mix.create + mix.write + mix.read;
    const r = this.random() * total;
    if (r < mix.create) return this.create();
    const remote = this.remote.length > 0 && this.random() < locality;
    const workspace = remote ? this.pick(this.remote) : `${this.region}-w${Math.floor(this.random() * this.created)}`;
    if (r < mix.create + mix.write) {
      const element = elementOf(this.regionIndex, this.written++);
      this.lastElement.set(workspace, element);
      return { kind: 'write', workspace, element, ...this.level(this.workload.consistency.write) };
    }
    const level = this.level(this.workload.consistency.read);
    if (this.random() < readAll) return { kind: 'read-all', workspace, ...level };
    return { kind: 'read', workspace, element: this.lastElement.get(workspace) ?? elementOf(this.regionIndex, 0), ...level };
  }
}
