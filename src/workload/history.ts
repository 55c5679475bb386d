import { closeSync, createWriteStream, openSync, readSync, type WriteStream } from 'node:fs';
import { errnoSentence, FedsimError } from '../errors.js';
import type { OpKind } from './generator.js';
import type { Consistency, Workload } from './spec.js';

/**
 * The history: every operation as an invoke line, then an ok, fail or info line (info: the outcome
 * is unknown, e.g. a timeout on a write), with monotonic times on the run's clock. After the run,
 * the observations the checkers need: the registry as it ended, a final read of every workspace,
 * and which clusters hold which workspaces. JSON lines, so a saved history is checked again
 * without containers (`fedsim check`).
 *
 * Longer than most files on purpose: the line types, the writer and the loader share one set of
 * join rules (Joiner), and a history written by one must load by the other, line for line.
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
  /** Workspace -> the cluster the registry names (empty when it could not be read). */
  workspaces: Record<string, string>;
  /** Set when the registry could not be read: then `workspaces` is no evidence. */
  error?: string;
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
  /** What loading a saved history had to leave out (a partial last line), said before the verdict. */
  warnings?: string[];
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
  private readonly joiner = new Joiner();
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
    this.joiner.join(this.history, line);
  }

  /** Flushes the file; operations still in flight stay `info`. */
  async close(): Promise<void> {
    clearInterval(this.flusher);
    this.flush();
    const out = this.out;
    if (out) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/** The latest time a history line may carry: 30 days of ms on the run's clock. */
export const MAX_T = 30 * 86_400_000;

const small = (id: number) => Number.isInteger(id) && id >= 0 && id < 2 ** 30;

/**
 * Operation id -> its index in the history's ops: a typed array for the small non-negative integers
 * a run hands out (grown only while it stays about as long as the ops are many), a map for others.
 * One array lookup per line: a map each id was set in and deleted from once was a sixth of a load.
 */
class OpIndex {
  /** Index + 1; 0: never invoked. */
  private slots = new Int32Array(1024);
  private readonly others = new Map<number, number>();
  private count = 0;

  /** The index of id's op, or -1. */
  get(id: number): number {
    if (id >= 0 && id < this.slots.length && Number.isInteger(id)) {
      const slot = this.slots[id]!;
      if (slot) return slot - 1;
    }
    return this.others.size ? (this.others.get(id) ?? -1) : -1;
  }

  set(id: number, index: number): void {
    this.count++;
    if (small(id) && id >= this.slots.length && id < 2 * this.count + 65_536) {
      const grown = new Int32Array(Math.max(id + 1, this.slots.length * 2));
      grown.set(this.slots);
      this.slots = grown;
    }
    if (small(id) && id < this.slots.length) this.slots[id] = index + 1;
    else this.others.set(id, index);
  }
}

/** What joining needs to remember besides the history: operations in flight, and ids seen. */
class Joiner {
  /** Every op invoked so far; one in flight is one whose `complete` is still undefined. */
  private readonly index = new OpIndex();
  /** Completions met before any invoke of their id (a loaded file only): id -> line. */
  readonly early = new Map<number, number>();
  /** One copy of each region, workspace, cluster and node name: a million operations share a few. */
  private readonly names = new Map<string, string>();

  private name(s: string): string;
  private name(s: string | undefined): string | undefined;
  private name(s: string | undefined): string | undefined {
    if (s === undefined) return s;
    const known = this.names.get(s);
    if (known !== undefined) return known;
    this.names.set(s, s);
    return s;
  }

  /** Joins a line into the history; a line that cannot be joined throws one sentence (no place). */
  join(h: History, line: Exclude<HistoryLine, MetaLine>, where = 0): void {
    const t = (line as { t?: unknown }).t;
    if (typeof t !== 'number' || !(t >= 0 && t <= MAX_T))
      throw new FedsimError(`a ${line.type} line has time ${JSON.stringify(t)}, out of range (ms on the run's clock, 0 to 30 days)`);
    switch (line.type) {
      case 'invoke': {
        if (this.index.get(line.id) !== -1) throw new FedsimError(`operation ${line.id} is invoked a second time`);
        const earlier = this.early.size ? this.early.get(line.id) : undefined;
        if (earlier !== undefined) throw new FedsimError(`operation ${line.id} is invoked after its completion on line ${earlier}`);
        const op: Op = {
          id: line.id,
          region: this.name(line.region),
          kind: line.kind,
          workspace: this.name(line.workspace),
          cluster: this.name(line.cluster),
          element: line.element,
          consistency: line.consistency,
          invoke: line.t,
          outcome: 'info',
          // Declared up front, so that every Op keeps one shape when its completion fills them in.
          complete: undefined,
          coordinator: undefined,
          error: undefined,
          workload: line.workload === undefined ? undefined : this.name(line.workload),
        };
        this.index.set(line.id, h.ops.length);
        h.ops.push(op);
        return;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        const i = this.index.get(line.id);
        const op = i === -1 ? undefined : h.ops[i]!;
        if (!op || op.complete !== undefined) {
          if (op) throw new FedsimError(`operation ${line.id} completes a second time`);
          if (!where) throw new FedsimError(`operation ${line.id} completes but was never invoked`);
          // Its invoke may still come further down: said then, or at the end.
          if (!this.early.has(line.id)) this.early.set(line.id, where);
          return;
        }
        if (line.t < op.invoke)
          throw new FedsimError(`operation ${line.id} completes at ${line.t} ms, before it was invoked (${op.invoke} ms)`);
        op.complete = line.t;
        op.outcome = line.type;
        if (line.coordinator) op.coordinator = this.name(line.coordinator);
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
        return;
      default:
        throw new FedsimError(`unknown line type ${JSON.stringify((line as { type?: unknown }).type)}`);
    }
  }
}

/** The fields of the lines a run writes millions of (invoke and completion), in a key's bytes. */
const FAST_KEYS = [
  'type',
  'id',
  't',
  'region',
  'kind',
  'workspace',
  'cluster',
  'element',
  'consistency',
  'workload',
  'coordinator',
  'error',
];
/** What a read returned: skipped (no checker reads it, see Op), but checked to be JSON numbers. */
const ELEMENTS = FAST_KEYS.length;
const FAST_KEY_BYTES = [...FAST_KEYS, 'elements'].map((k) => Buffer.from(k, 'latin1'));
/** A key's index by its length and last byte (no two keys share both): one compare per key read. */
const KEY_AT = new Int8Array(16 * 128).fill(-1);
FAST_KEY_BYTES.forEach((bytes, k) => {
  const at = bytes.length * 128 + bytes[bytes.length - 1]!;
  if (KEY_AT[at] !== -1) throw new Error(`history keys ${FAST_KEYS[k]} and ${FAST_KEYS[KEY_AT[at]!]} share a length and last byte`);
  KEY_AT[at] = k;
});
const FAST_TYPES = new Set(['invoke', 'ok', 'fail', 'info', 'run', 'end']);
/** Exact powers of ten: a mantissa below 2^53 divided by one of them is the correctly rounded number. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** The one line object FastLines hands out, refilled for each line. */
interface FastLine {
  type: string;
  id: number;
  t: number;
  region?: string;
  kind?: string;
  workspace?: string;
  cluster?: string;
  element?: number;
  consistency?: string;
  workload?: string;
  coordinator?: string;
  error?: string;
}

/**
 * Reads the lines a run writes most (flat objects of strings without escapes and plain numbers)
 * straight from the file's bytes: no decoded text, no object from JSON.parse, and one copy of each
 * short string. Whatever it is not sure of (another shape, whitespace, escapes, non-ASCII, an
 * exponent, an unknown key) it leaves to JSON.parse, so a line reads as JSON.parse reads it; a
 * third of a 10^6-operation load was JSON.parse's garbage being collected.
 */
class FastLines {
  /** Short ASCII strings by a hash of their bytes: region, workspace, cluster, node and kind names. */
  private readonly strings = new Map<number, string[]>();
  /** The values of the line being read, by their key's index in FAST_KEYS. */
  private readonly values: (string | number | undefined)[] = FAST_KEYS.map(() => undefined);
  /**
   * Handed out for every line, refilled each time: the joiner copies what it keeps and holds no
   * line of these types, and two million short-lived objects were most of the young GC's work.
   */
  private readonly line: FastLine = { type: '', id: 0, t: 0 };

  /** The line of buf[start, end) as an invoke/completion/run/end line, or undefined for JSON.parse. */
  read(buf: Buffer, start: number, end: number): Exclude<HistoryLine, MetaLine> | undefined {
    const v = this.values;
    for (let k = 0; k < v.length; k++) v[k] = undefined;
    let i = start;
    if (buf[i++] !== 123 /* { */) return undefined;
    for (;;) {
      // A key: one of FAST_KEYS, in quotes, then a colon.
      if (buf[i++] !== 34) return undefined;
      const keyStart = i;
      while (i < end && buf[i] !== 34) i++;
      const key = this.key(buf, keyStart, i);
      if (key < 0 || buf[i + 1] !== 58 /* : */) return undefined;
      i += 2;
      const c = buf[i]!;
      if (key === ELEMENTS) {
        i = this.numbers(buf, i, end);
        if (i < 0) return undefined;
      } else if (c === 34) {
        const from = ++i;
        let hash = 0;
        for (; i < end; i++) {
          const b = buf[i]!;
          if (b === 34) break;
          // An escape, a control character or a non-ASCII byte: JSON.parse decides.
          if (b === 92 || b < 32 || b > 126) return undefined;
          hash = (Math.imul(hash, 31) + b) | 0;
        }
        if (i >= end) return undefined;
        v[key] = this.string(buf, from, i, hash);
        i++;
      } else if (c === 45 || (c >= 48 && c <= 57)) {
        const from = i;
        i = this.number(buf, i, end);
        if (i < 0) return undefined;
        v[key] = Number.isNaN(this.value) ? Number(buf.toString('latin1', from, i)) : this.value;
      } else return undefined;
      const d = buf[i++];
      if (d === 125 /* } */) break;
      if (d !== 44 /* , */) return undefined;
    }
    const type = v[0];
    if (i !== end || typeof type !== 'string' || !FAST_TYPES.has(type)) return undefined;
    // One shape for every line (absent fields undefined, as the joiner reads a parsed line's).
    const line = this.line as unknown as Record<string, string | number | undefined>;
    line.type = type;
    line.id = v[1];
    line.t = v[2];
    line.region = v[3];
    line.kind = v[4];
    line.workspace = v[5];
    line.cluster = v[6];
    line.element = v[7];
    line.consistency = v[8];
    line.workload = v[9];
    line.coordinator = v[10];
    line.error = v[11];
    return this.line as unknown as Exclude<HistoryLine, MetaLine>;
  }

  /** The index in FAST_KEY_BYTES of the key in buf[from, to), or -1. */
  private key(buf: Buffer, from: number, to: number): number {
    const n = to - from;
    if (n < 1 || n > 15) return -1;
    const k = KEY_AT[n * 128 + (buf[to - 1]! & 127)]!;
    if (k < 0) return -1;
    const bytes = FAST_KEY_BYTES[k]!;
    for (let j = 0; j < n - 1; j++) if (bytes[j] !== buf[from + j]) return -1;
    return buf[to - 1] === bytes[n - 1] ? k : -1;
  }

  /** The string met last in each slot of its hash: most names hit it, without asking the map. */
  private readonly recent: (string | undefined)[] = new Array(1024).fill(undefined);

  private string(buf: Buffer, from: number, to: number, hash: number): string {
    if (to - from > 64) return buf.toString('latin1', from, to);
    const slot = hash & 1023;
    const last = this.recent[slot];
    if (last !== undefined && last.length === to - from) {
      let j = 0;
      while (j < last.length && last.charCodeAt(j) === buf[from + j]) j++;
      if (j === last.length) return last;
    }
    const s = this.known(buf, from, to, hash);
    this.recent[slot] = s;
    return s;
  }

  /** The one copy of a short string, by a hash of its bytes. */
  private known(buf: Buffer, from: number, to: number, hash: number): string {
    const known = this.strings.get(hash);
    if (known)
      for (let k = 0; k < known.length; k++) {
        const s = known[k]!;
        if (s.length !== to - from) continue;
        let j = 0;
        while (j < s.length && s.charCodeAt(j) === buf[from + j]) j++;
        if (j === s.length) return s;
      }
    const s = buf.toString('latin1', from, to);
    if (known) known.push(s);
    else this.strings.set(hash, [s]);
    return s;
  }

  /** Skips a JSON array of numbers from i (no spaces); the index after it, or -1 when it is not one. */
  private numbers(buf: Buffer, i: number, end: number): number {
    if (buf[i++] !== 91 /* [ */) return -1;
    if (buf[i] === 93 /* ] */) return i + 1;
    for (;;) {
      i = this.number(buf, i, end);
      if (i < 0) return -1;
      const d = buf[i++];
      if (d === 93) return i;
      if (d !== 44) return -1;
    }
  }

  /** The number read last; NaN when only Number() of its text gives it exactly. */
  private value = 0;

  /** Reads a JSON number from i; the index after it, or -1 when it is not one JSON accepts. */
  private number(buf: Buffer, i: number, end: number): number {
    const negative = buf[i] === 45;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    const first = buf[i];
    if (first === 48) {
      i++;
    } else if (first !== undefined && first >= 49 && first <= 57) {
      for (; i < end && buf[i]! >= 48 && buf[i]! <= 57; i++) {
        mantissa = mantissa * 10 + (buf[i]! - 48);
        digits++;
      }
    } else return -1;
    if (buf[i] === 46 /* . */) {
      i++;
      const from = i;
      for (; i < end && buf[i]! >= 48 && buf[i]! <= 57; i++) {
        mantissa = mantissa * 10 + (buf[i]! - 48);
        digits++;
        scale++;
      }
      if (i === from) return -1;
    }
    let exact = digits <= 15;
    if (buf[i] === 101 || buf[i] === 69 /* e E */) {
      i++;
      if (buf[i] === 43 || buf[i] === 45) i++;
      const from = i;
      while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
      if (i === from) return -1;
      exact = false;
    }
    const v = mantissa / POW10[scale]!;
    this.value = exact ? (negative ? -v : v) : Number.NaN;
    return i;
  }
}

/**
 * Reads a saved history back. A malformed line, or one that cannot be joined (a completion before
 * its invoke, twice, or never invoked; an id invoked twice; a time out of range), is one sentence
 * naming the file and line. A partial last line, what a crash leaves, is dropped with a warning in
 * `warnings`, and the rest is judged (its operations in flight stay of unknown outcome).
 */
export async function loadHistory(file: string): Promise<History> {
  let h: History | undefined;
  const joiner = new Joiner();
  const fast = new FastLines();
  let n = 0;
  /** The unterminated last line, when it did not parse: what a crash leaves mid-write. */
  let broken: number | undefined;
  const accept = (line: HistoryLine) => {
    if (!h) {
      if (line?.type !== 'meta') throw new FedsimError(`${file}:${n}: a history starts with its meta line; is this a fedsim history?`);
      h = { meta: line, ops: [], finalReads: [], residency: [], exits: [] };
      return;
    }
    if (line?.type === 'meta') throw new FedsimError(`${file}:${n}: a second meta line; histories cannot be concatenated.`);
    try {
      joiner.join(h, line, n);
    } catch (err) {
      if (err instanceof FedsimError) throw new FedsimError(`${file}:${n}: ${err.message}.`);
      throw err;
    }
  };
  const take = (text: string, unterminated = false) => {
    if (!text.trim()) return;
    let line: HistoryLine;
    try {
      line = JSON.parse(text) as HistoryLine;
    } catch {
      // A complete line (its newline written) that is not JSON was never fedsim's.
      if (!unterminated) throw new FedsimError(`${file}:${n}: not a JSON line; is this a fedsim history?`);
      broken = n;
      return;
    }
    accept(line);
  };
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    // Lines are cut from the bytes by hand, a megabyte at a time (doubled for a longer line).
    let buf = Buffer.allocUnsafe(1 << 20);
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        const grown = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(grown, 0, 0, filled);
        buf = grown;
      }
      // Synchronous: `fedsim check` has nothing else to do meanwhile, and a read per await costs more.
      const bytesRead = readSync(fd, buf, filled, buf.length - filled, null);
      if (!bytesRead) break;
      filled += bytesRead;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1 && nl < filled; nl = buf.indexOf(10, start)) {
        n++;
        const end = buf[nl - 1] === 13 && nl > start ? nl - 1 : nl;
        const line = fast.read(buf, start, end);
        if (line) accept(line);
        else take(buf.toString('utf8', start, end));
        start = nl + 1;
      }
      buf.copy(buf, 0, start, filled);
      filled -= start;
    }
    if (filled) {
      n++;
      take(buf.toString('utf8', 0, filled), true);
    }
  } catch (err) {
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`${file}: cannot be read: ${errnoSentence(err)}.`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (!h) throw new FedsimError(`${file}: ${broken ? 'its only line is cut short' : 'empty'}; expected a fedsim history.`);
  const [id, at] = [...joiner.early][0] ?? [];
  if (id !== undefined) throw new FedsimError(`${file}:${at}: operation ${id} completes but is never invoked.`);
  if (broken !== undefined)
    h.warnings = [`${file}:${broken}: the last line is cut short (what a crash leaves); dropped, the lines before it are judged`];
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
