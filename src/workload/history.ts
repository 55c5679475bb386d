import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FedsimError } from '../errors.js';
import type { OpKind } from './generator.js';
import type { Consistency, Workload } from './spec.js';

/**
 * The history: every operation as an invoke line, then an ok, fail or info line (info: the outcome
 * is unknown, e.g. a timeout on a write), with monotonic times on the run's clock. After the run,
 * the observations the checkers need: the registry as it ended, a final read of every workspace,
 * and which clusters hold which workspaces. JSON lines, so a saved history is checked again
 * without containers (`fedsim check`).
 */
export interface ClusterInfo {
  regions: string[];
  nodes: Record<string, string>;
  role: string;
}

export interface MetaLine {
  type: 'meta';
  federation: string;
  shape: 'federation' | 'stretched';
  regions: string[];
  /** Cluster name -> its regions, its nodes (name -> region) and role. */
  clusters: Record<string, ClusterInfo>;
  workload: Workload;
  startedAt: string;
}

/** fedsim's own kinds, or the name (Jepsen's `f`) a user's workload gives its operation. */
export type OpName = OpKind | (string & {});

export interface InvokeLine {
  type: 'invoke';
  id: number;
  t: number;
  region: string;
  kind: OpName;
  workspace: string;
  /** The cluster the router sent it to. */
  cluster: string;
  element?: number;
  /** Present when the workload mixes levels for this kind. */
  consistency?: Consistency;
  /** The scenario's workload (of `workloads:`) that made it; absent for fedsim's own. */
  workload?: string;
  /** What a user's operation was given (its `value`), as written; no checker reads it. */
  value?: unknown;
}

export type Outcome = 'ok' | 'fail' | 'info';

export interface CompleteLine {
  type: Outcome;
  id: number;
  t: number;
  /** The node that coordinated the request, as the driver reports it. */
  coordinator?: string;
  /** Elements a read returned. */
  elements?: number[];
  error?: string;
  /** What a user's operation returned (its `value`), as written; no checker reads it. */
  value?: unknown;
}

export interface RegistryLine {
  type: 'registry';
  t: number;
  /** Workspace -> the cluster the registry names. */
  workspaces: Record<string, string>;
}

export interface FinalReadLine {
  type: 'final-read';
  t: number;
  workspace: string;
  cluster: string;
  elements?: number[];
  error?: string;
}

export interface ResidencyLine {
  type: 'residency';
  t: number;
  cluster: string;
  workspaces?: string[];
  error?: string;
}

/** The measured run begins: the warm-up (and the setup before it) is over. */
export interface RunLine {
  type: 'run';
  t: number;
}

/** The measured run ends: its workload and timeline are over, and heal comes next. */
export interface EndLine {
  type: 'end';
  t: number;
}

/** A user's program of a `command` workload ended (or could not start); see workload/command.ts. */
export interface ExitLine {
  type: 'exit';
  t: number;
  workload: string;
  /** Its exit code; null when a signal ended it or it never started. */
  code: number | null;
  signal?: string;
  /** fedsim stopped it (SIGTERM) at the end of the run. */
  stopped?: boolean;
  /** It could not be started. */
  error?: string;
  operations: number;
  /** Lines of its stdout that were not operations: skipped, the rest kept. */
  invalid: number;
  /** The first of them, as a sentence with its line number. */
  firstInvalid?: string;
  /** The last line it wrote on stderr. */
  stderr?: string;
}

export type HistoryLine =
  | MetaLine
  | InvokeLine
  | CompleteLine
  | RegistryLine
  | FinalReadLine
  | ResidencyLine
  | RunLine
  | EndLine
  | ExitLine;

/**
 * One operation, its invoke and completion joined. What a read returned stays in the file only: no
 * checker reads it, and a long run's whole-workspace reads would hold millions of elements.
 */
export interface Op {
  id: number;
  region: string;
  kind: OpName;
  workspace: string;
  cluster: string;
  element?: number;
  consistency?: Consistency;
  invoke: number;
  /** Absent when the run ended with the operation in flight (its outcome is unknown). */
  complete?: number;
  outcome: Outcome;
  coordinator?: string;
  error?: string;
  /** The scenario's workload that made it; absent for fedsim's own. */
  workload?: string;
}

export interface History {
  meta: MetaLine;
  /** When the measured run began; absent in a history with no warm-up mark (every op is measured). */
  runStart?: number;
  /** When the measured run ended (before heal); absent in a history that did not record it. */
  runEnd?: number;
  ops: Op[];
  registry?: RegistryLine;
  finalReads: FinalReadLine[];
  residency: ResidencyLine[];
  /** How each `command` workload's program ended. */
  exits: ExitLine[];
}

/**
 * Writes a history as JSON lines and keeps it in memory for the checkers. Lines are gathered and
 * written in blocks (at 64 KB, and at least every second so a crashed run leaves most of its
 * history behind): one write per line would cost the workload a tenth of its throughput.
 */
export class HistoryWriter {
  private readonly out?: WriteStream;
  private buffer = '';
  private readonly flusher?: NodeJS.Timeout;
  private readonly pending = new Map<number, Op>();
  private ids = 0;
  readonly history: History;

  constructor(meta: MetaLine, file?: string) {
    if (file) {
      this.out = createWriteStream(file);
      this.flusher = setInterval(() => this.flush(), 1000).unref();
    }
    this.history = { meta, ops: [], finalReads: [], residency: [], exits: [] };
    this.emit(meta);
  }

  /** The next operation id: one sequence for every workload writing into this history. */
  nextId(): number {
    return this.ids++;
  }

  private emit(line: HistoryLine): void {
    if (this.out) {
      this.buffer += `${JSON.stringify(line)}\n`;
      if (this.buffer.length >= 65_536) this.flush();
    }
  }

  private flush(): void {
    if (!this.buffer) return;
    this.out?.write(this.buffer);
    this.buffer = '';
  }

  add(line: Exclude<HistoryLine, MetaLine>): void {
    this.emit(line);
    join(this.history, this.pending, line);
  }

  /** Flushes the file; operations still in flight stay `info`. */
  async close(): Promise<void> {
    clearInterval(this.flusher);
    this.flush();
    const out = this.out;
    if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

function join(h: History, pending: Map<number, Op>, line: Exclude<HistoryLine, MetaLine>): void {
  switch (line.type) {
    case 'invoke': {
      const op: Op = {
        id: line.id,
        region: line.region,
        kind: line.kind,
        workspace: line.workspace,
        cluster: line.cluster,
        element: line.element,
        consistency: line.consistency,
        invoke: line.t,
        outcome: 'info',
        // Declared up front, so that every Op keeps one shape when its completion fills them in.
        complete: undefined,
        coordinator: undefined,
        error: undefined,
        workload: line.workload,
      };
      pending.set(line.id, op);
      h.ops.push(op);
      return;
    }
    case 'ok':
    case 'fail':
    case 'info': {
      const op = pending.get(line.id);
      if (!op) throw new FedsimError(`history: operation ${line.id} completes but was never invoked`);
      pending.delete(line.id);
      op.complete = line.t;
      op.outcome = line.type;
      if (line.coordinator) op.coordinator = line.coordinator;
      if (line.error) op.error = line.error;
      return;
    }
    case 'run':
      h.runStart = line.t;
      return;
    case 'end':
      h.runEnd = line.t;
      return;
    case 'registry':
      h.registry = line;
      return;
    case 'final-read':
      h.finalReads.push(line);
      return;
    case 'residency':
      h.residency.push(line);
      return;
    case 'exit':
      h.exits.push(line);
  }
}

/** Reads a saved history back; a malformed line is one sentence naming the file and line. */
export async function loadHistory(file: string): Promise<History> {
  let h: History | undefined;
  const pending = new Map<number, Op>();
  let n = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const text of lines) {
      n++;
      if (!text.trim()) continue;
      let line: HistoryLine;
      try {
        line = JSON.parse(text) as HistoryLine;
      } catch {
        throw new FedsimError(`${file}:${n}: not a JSON line; is this a fedsim history?`);
      }
      if (!h) {
        if (line.type !== 'meta') throw new FedsimError(`${file}:${n}: a history starts with its meta line; is this a fedsim history?`);
        h = { meta: line, ops: [], finalReads: [], residency: [], exits: [] };
        continue;
      }
      if (line.type === 'meta') throw new FedsimError(`${file}:${n}: a second meta line; histories cannot be concatenated.`);
      join(h, pending, line);
    }
  } catch (err) {
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  if (!h) throw new FedsimError(`${file}: empty; expected a fedsim history.`);
  return h;
}

/** Hands out each operation of a growing history once, at the first call after it completed. */
export class CompletedOps {
  private seen = 0;
  private pending: Op[] = [];

  constructor(private readonly history: History) {}

  next(): Op[] {
    const fresh = this.pending.concat(this.history.ops.slice(this.seen));
    this.seen = this.history.ops.length;
    this.pending = fresh.filter((o) => o.complete === undefined);
    return fresh.filter((o) => o.complete !== undefined);
  }
}
