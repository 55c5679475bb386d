import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import cassandra from 'cassandra-driver';
import type { Consistency } from '../workload/spec.js';

/**
 * The CQL adapter: the only code that imports cassandra-driver. The workload sees its sessions
 * through the types below and never the driver itself.
 *
 * A region's view of the federation: cassandra-driver sessions whose address translator maps every
 * node to the path through that region's gateway (127.0.0.1:<port published for that node>).
 */
export type Endpoints = Record<string, string>;

// The driver checks `instanceof AddressTranslator` at run time; its typings declare only an interface.
const AddressTranslatorBase = (cassandra.policies.addressResolution as unknown as { AddressTranslator: new () => object })
  .AddressTranslator;

class GatewayTranslator extends AddressTranslatorBase implements cassandra.policies.addressResolution.AddressTranslator {
  constructor(private readonly endpoints: Endpoints) {
    super();
  }
  translate(address: string, port: number, callback: (endpoint: string) => void): void {
    callback(this.endpoints[address] ?? `${address}:${port}`);
  }
}

export type CqlClient = cassandra.Client;
export type CqlOptions = cassandra.QueryOptions;
export type CqlResult = cassandra.types.ResultSet;

const CL = cassandra.types.consistencies;
/** The driver's number for a consistency level written as in CQL (LOCAL_QUORUM). */
export function consistencyLevel(c: Consistency): number {
  return CL[c.toLowerCase().replace(/_(.)/g, (_, x: string) => x.toUpperCase()) as keyof typeof CL];
}

/**
 * True when a driver error proves the request was not applied: the coordinator refused it, or no
 * host was reached, or every host tried refused it. Anything else (a timeout) may have been applied.
 */
export function provablyNotApplied(err: unknown): boolean {
  const e = err as { code?: number; innerErrors?: Record<string, unknown>; name?: string };
  const codes = cassandra.types.responseErrorCodes;
  const refused = [codes.unavailableException, codes.overloaded, codes.isBootstrapping, codes.syntaxError, codes.invalid, codes.unprepared];
  if (e.code !== undefined && refused.includes(e.code)) return true;
  if (e.name === 'NoHostAvailableError') {
    const unsent = (x: { name?: string; code?: number }) => x.name !== 'OperationTimedOutError' && x.code === undefined;
    const inner = Object.values(e.innerErrors ?? {}) as { name?: string; code?: number }[];
    return inner.every((x) => unsent(x) || provablyNotApplied(x));
  }
  return false;
}

export interface ClientOptions {
  /** Node address (as the cluster knows it) -> host endpoint through the region's gateway. */
  endpoints: Endpoints;
  localDataCenter: string;
  keyspace?: string;
  readTimeoutMs?: number;
  /** How often an idle connection is probed; a frozen node is noticed one read timeout later. */
  heartBeatMs?: number;
  /** How soon a lost node is tried again: default DEFAULT_RECONNECT. */
  reconnect?: ReconnectPolicy;
  /** Leave write timestamps to the coordinator (its clock decides last-write-wins), not the driver. */
  serverTimestamps?: boolean;
}

/**
 * Reconnection to a node the driver lost: exponential from `baseMs`, capped at `maxMs`, the first
 * try at once. The driver's own default backs off to 10 minutes, so a client would go on failing
 * long after its node answers again and the report would charge that to the database.
 */
export interface ReconnectPolicy {
  baseMs: number;
  maxMs: number;
}
export const DEFAULT_RECONNECT: ReconnectPolicy = { baseMs: 100, maxMs: 1000 };

/**
 * cassandra-driver 4.10 bug: when its control connection's node goes away while it refreshes the
 * topology, `ControlConnection._refresh` reads `this.connection.endpoint` of a connection already
 * gone, or hands that null connection to `_setHealthListeners` (`connection.once`), in a promise
 * nobody awaits. Faults make that happen on purpose; it must not crash a run.
 */
export function isDriverRefreshBug(err: unknown): boolean {
  // By name, not instanceof: vitest hands its hook a copy serialized from the test worker.
  const e = err as { name?: string; message?: string; stack?: string } | null;
  return e?.name === 'TypeError' && /reading '(endpoint|once)'/.test(e.message ?? '') && /control-connection\.js/.test(e.stack ?? '');
}

let refreshBugTolerated = false;
function tolerateDriverRefreshBug(): void {
  if (refreshBugTolerated) return;
  refreshBugTolerated = true;
  process.on('unhandledRejection', (err) => {
    // Anything else keeps Node's default: crash loudly.
    if (!isDriverRefreshBug(err)) throw err;
  });
}

/**
 * cassandra-driver 4.10 bug: when the server closes a connection's socket before answering its
 * STARTUP, `Connection.close()` returns early (the socket is already marked closed) without failing
 * the pending STARTUP, so the attempt ends only at `socketOptions.readTimeout`. A gateway does exactly
 * that while its node refuses connections (Toxiproxy accepts, cannot dial, closes), and a host's pool
 * opens one connection at a time: a node that came back was used only up to readTimeout + the
 * reconnection delay (13 s) later. Failing the pending requests on close makes each attempt end at once.
 */
let openingCloseFixed = false;
function failOpeningConnectionOnClose(): void {
  if (openingCloseFixed) return;
  openingCloseFixed = true;
  type DriverConnection = { netClient: NodeJS.EventEmitter; connected: boolean; clearAndInvokePending(): void };
  const Connection = createRequire(import.meta.url)('cassandra-driver/lib/connection.js') as {
    prototype: { bindSocketListeners(this: DriverConnection): void };
  };
  const bind = Connection.prototype.bindSocketListeners;
  Connection.prototype.bindSocketListeners = function (this: DriverConnection) {
    bind.call(this);
    const socket = this.netClient;
    // Once connected, the driver's own close handler fails what is pending; before, nothing does.
    socket.on('close', () => {
      if (!this.connected && this.netClient === socket) this.clearAndInvokePending();
    });
  };
}

export function regionClient(opts: ClientOptions): cassandra.Client {
  tolerateDriverRefreshBug();
  failOpeningConnectionOnClose();
  const contactPoints = Object.values(opts.endpoints);
  return new cassandra.Client({
    contactPoints,
    localDataCenter: opts.localDataCenter,
    keyspace: opts.keyspace,
    policies: {
      addressResolution: new GatewayTranslator(opts.endpoints),
      reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(
        (opts.reconnect ?? DEFAULT_RECONNECT).baseMs,
        (opts.reconnect ?? DEFAULT_RECONNECT).maxMs,
        true,
      ),
      ...(opts.serverTimestamps && { timestampGeneration: null as never }),
    },
    socketOptions: { connectTimeout: 5000, readTimeout: opts.readTimeoutMs ?? 12_000 },
    pooling: { heartBeatInterval: opts.heartBeatMs ?? 5000 },
    queryOptions: { prepare: true },
  });
}

/** OPTIONS, protocol v4, stream 0, no body. */
const OPTIONS = Buffer.from([0x04, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00]);

/**
 * True when a CQL native transport answers at `endpoint`: an OPTIONS request (protocol v4) answered
 * by SUPPORTED. Cassandra opens its native transport last in start-up, so this is readiness. A raw
 * probe, because a driver session that fails to connect through a gateway keeps reconnect timers.
 */
export function answersCql(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  const [host, port] = endpoint.split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () => socket.write(OPTIONS));
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 5) done(got[0] === 0x84 && got[4] === 0x06);
    });
  });
}

/**
 * A CQL round trip on one kept connection, for canaries: an OPTIONS frame answered by SUPPORTED, which
 * costs the node nothing, so through a gateway it measures the path (the link's toxics and the host),
 * not the database. One ping at a time; a ping unanswered in `timeoutMs` fails and the connection is
 * opened again for the next.
 */
export class CqlPinger {
  private socket?: Socket;
  private got = Buffer.alloc(0);
  private waiting?: (ok: boolean) => void;

  constructor(
    private readonly endpoint: string,
    private readonly timeoutMs = 5000,
  ) {}

  /** A ping is waiting for its answer: the next one would be refused. */
  get busy(): boolean {
    return this.waiting !== undefined;
  }

  /** The round trip in ms (from the request written to the answer read), or undefined when it failed. */
  ping(): Promise<number | undefined> {
    if (this.waiting) return Promise.resolve(undefined);
    const socket = this.open();
    return new Promise((resolve) => {
      let t0 = performance.now();
      const timer = setTimeout(() => this.settle(false), this.timeoutMs);
      this.waiting = (ok) => {
        clearTimeout(timer);
        this.waiting = undefined;
        if (!ok) this.close();
        resolve(ok ? performance.now() - t0 : undefined);
      };
      const send = () => {
        t0 = performance.now();
        socket.write(OPTIONS);
      };
      if (socket.connecting) socket.once('connect', send);
      else send();
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.got = Buffer.alloc(0);
  }

  private open(): Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const [host, port] = this.endpoint.split(':') as [string, string];
    const socket = connect({ host, port: Number(port) });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => this.settle(false));
    socket.on('close', () => this.settle(false));
    socket.on('data', (chunk) => {
      this.got = Buffer.concat([this.got, chunk]);
      // A frame: 9 header bytes, the body's length in the last four.
      while (this.got.length >= 9 && this.got.length >= 9 + this.got.readUInt32BE(5)) {
        const ok = this.got[0] === 0x84 && this.got[4] === 0x06;
        this.got = this.got.subarray(9 + this.got.readUInt32BE(5));
        this.settle(ok);
      }
    });
    return socket;
  }

  private settle(ok: boolean): void {
    this.waiting?.(ok);
  }
}

/**
 * How far one node's wall clock is from this host's, in ms (its `now()` against ours, the query's
 * round trip halved), asked of that node alone at its own address: no gateway, no other node. One
 * driver session serves every read of a wait (a session per read costs a connect, most of a read).
 */
export function nodeClock(address: string, datacenter: string): { offsetMs(): Promise<number>; close(): Promise<void> } {
  const { DCAwareRoundRobinPolicy, WhiteListPolicy } = cassandra.policies.loadBalancing;
  const client = new cassandra.Client({
    contactPoints: [`${address}:9042`],
    localDataCenter: datacenter,
    policies: { loadBalancing: new WhiteListPolicy(new DCAwareRoundRobinPolicy(datacenter), [`${address}:9042`]) },
    socketOptions: { connectTimeout: 5000, readTimeout: 5000 },
  });
  return {
    async offsetMs() {
      const t0 = Date.now();
      const rs = await client.execute('SELECT toUnixTimestamp(now()) AS t FROM system.local');
      const t1 = Date.now();
      return Number(rs.rows[0]!.t) - (t0 + t1) / 2;
    },
    close: () => client.shutdown().catch(() => undefined),
  };
}

/** Median wall time of `n` runs of a query after one warm-up (which opens connections), in ms. */
export async function medianRoundTrip(
  client: cassandra.Client,
  query = 'SELECT release_version FROM system.local',
  params: unknown[] = [],
  opts: cassandra.QueryOptions = {},
  n = 9,
): Promise<number> {
  await client.execute(query, params, opts);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.execute(query, params, opts);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

/** Generated CQL values the driver binds as their own types (a user's `cql` workload asks for them). */
export const cqlValue = {
  uuid: (): unknown => cassandra.types.Uuid.random(),
  timeuuid: (): unknown => cassandra.types.TimeUuid.now(),
};
