import type { Clock } from '../clock.js';
import type { HistoryWriter } from './history.js';

/**
 * The operations a user's program reports, one JSON object per line (docs/OPERATIONS.md), merged
 * into the run's history as they arrive. Jepsen's history is the anchor: an `invoke`, then `ok`,
 * `fail` or `info` (outcome unknown) for the same `process`, which does one operation at a time.
 * `f: "add"` with an integer value and `f: "read"` returning the whole set are Jepsen's set
 * workload: they become writes and reads of the key (a workspace), and the last read of a key
 * begun after its adds completed becomes its final read, which durability judges.
 * Validation is written out by hand: it runs for every line, at tens of thousands of lines a second.
 */
export interface OperationSource {
  /** The scenario's workload name, recorded on each operation. */
  workload: string;
  /** The region an operation is from unless its line says another. */
  region: string;
  /** The cluster it is served by unless its line says another. */
  cluster: string;
  regions: ReadonlySet<string>;
  clusters: ReadonlySet<string>;
  history: HistoryWriter;
  clock: Clock;
}

interface Open {
  id: number;
  f: string;
  key: string;
  cluster: string;
  t: number;
  /** A read begun with no add of its key in flight: how many adds the key had then. */
  addsBefore?: number;
}

interface KeyState {
  adds: number;
  addsOpen: number;
  /** The last read begun after every add of the key: its elements become the final read. */
  final?: { t: number; cluster: string; elements: number[] };
}

const OUTCOMES = new Set(['ok', 'fail', 'info']);

export class OperationReader {
  private readonly open = new Map<unknown, Open>();
  private readonly keys = new Map<string, KeyState>();
  private rest = '';
  private lineNo = 0;
  /** Unix time (ms) of the run clock's origin, to place a line's own `time` on the run's clock. */
  private readonly epoch: number;
  operations = 0;
  invalid = 0;
  firstInvalid?: string;

  constructor(private readonly src: OperationSource) {
    this.epoch = performance.timeOrigin + performance.now() - src.clock.now();
  }

  /** A chunk of the program's stdout; lines without a `time` are stamped now. */
  feed(chunk: string): void {
    const text = this.rest + chunk;
    const now = this.src.clock.now();
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      this.line(text.slice(from, nl), now);
      from = nl + 1;
    }
    this.rest = text.slice(from);
  }

  /** The stream ended: a last line without a newline counts too. */
  end(): void {
    if (this.rest) this.line(this.rest, this.src.clock.now());
    this.rest = '';
  }

  /** Final reads of the keys whose adds were read back afterwards, into the history. */
  finalReads(): void {
    for (const [workspace, k] of this.keys) {
      if (k.final)
        this.src.history.add({ type: 'final-read', t: k.final.t, workspace, cluster: k.final.cluster, elements: k.final.elements });
    }
  }

  private reject(why: string): void {
    this.invalid++;
    this.firstInvalid ??= `line ${this.lineNo}: ${why}`;
  }

  private key(name: string): KeyState {
    let k = this.keys.get(name);
    if (!k) {
      k = { adds: 0, addsOpen: 0 };
      this.keys.set(name, k);
    }
    return k;
  }

  private line(text: string, arrived: number): void {
    this.lineNo++;
    if (!text.trim()) return;
    const why = this.merge(text, arrived);
    if (why) this.reject(why);
  }

  /** Merges one line into the history; or why it is not an operation. */
  private merge(text: string, arrived: number): string | undefined {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(text);
    } catch {
      return 'not a JSON object';
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
    const { type, process } = o;
    if (typeof process !== 'number' && typeof process !== 'string') return '"process" (a number or string) is missing';
    let t = arrived;
    if (o.time !== undefined) {
      if (typeof o.time !== 'number') return '"time" is not a number';
      t = Math.round((o.time - this.epoch) * 1000) / 1000;
      // Before the run's clock began, or later than now: seconds or another clock, not Unix ms.
      if (t < -1000 || t > arrived + 1000) return `"time" ${o.time} is not within the run; it is Unix time in milliseconds`;
      // Within a second before the origin is two clocks' skew: the history's times start at 0.
      t = Math.max(0, t);
    }
    const { history } = this.src;
    if (type === 'invoke') {
      if (this.open.has(process)) return `process ${JSON.stringify(process)} invokes while its previous operation is open`;
      const { f, value } = o;
      if (typeof f !== 'string' || !f) return 'an invoke needs "f", the operation\'s name';
      const region = o.region ?? this.src.region;
      if (typeof region !== 'string' || !this.src.regions.has(region)) return `unknown region ${JSON.stringify(region)}`;
      const cluster = o.cluster ?? this.src.cluster;
      if (typeof cluster !== 'string' || !this.src.clusters.has(cluster)) return `unknown cluster ${JSON.stringify(cluster)}`;
      const key = o.key ?? this.src.workload;
      if (typeof key !== 'string') return '"key" is not a string';
      const add = f === 'add';
      if (add && !Number.isSafeInteger(value)) return 'an add\'s "value" must be an integer';
      const id = history.nextId();
      let addsBefore: number | undefined;
      if (add) {
        const k = this.key(key);
        k.adds++;
        k.addsOpen++;
        k.final = undefined;
      } else if (f === 'read') {
        // A key nothing was added to has a final read too (what it holds must be nothing of its own):
        // how a program shows where data is not (examples/victoria-metrics: residency).
        const k = this.key(key);
        if (k.addsOpen === 0) addsBefore = k.adds;
      }
      this.open.set(process, { id, f, key, cluster, t, addsBefore });
      this.operations++;
      history.add({
        type: 'invoke',
        id,
        t,
        region,
        // A set's add is a write of its element; its read, of the whole set.
        kind: add ? 'write' : f === 'read' ? 'read-all' : f,
        workspace: key,
        cluster,
        workload: this.src.workload,
        ...(add ? { element: value as number } : value !== undefined && { value }),
      });
      return;
    }
    if (typeof type !== 'string' || !OUTCOMES.has(type)) return '"type" must be invoke, ok, fail or info';
    const op = this.open.get(process);
    if (!op) return `process ${JSON.stringify(process)} completes an operation it never invoked`;
    if (t < op.t) return 'it completes before its invoke';
    this.open.delete(process);
    const { value, error } = o;
    if (op.f === 'add') this.key(op.key).addsOpen--;
    else if (op.f === 'read' && type === 'ok' && op.addsBefore !== undefined && Array.isArray(value) && value.every(Number.isSafeInteger)) {
      // Jepsen's final read: begun after every add of its key completed, with no add begun since.
      const k = this.keys.get(op.key)!;
      if (k.adds === op.addsBefore) k.final = { t, cluster: op.cluster, elements: value as number[] };
    }
    history.add({
      type: type as 'ok' | 'fail' | 'info',
      id: op.id,
      t,
      ...(error !== undefined && { error: (typeof error === 'string' ? error : JSON.stringify(error)).slice(0, 240) }),
      ...(value !== undefined && op.f !== 'add' && { value }),
    });
  }
}
