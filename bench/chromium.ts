/**
 * Headless Chromium driven over the DevTools protocol with Node's own WebSocket (no npm package):
 * opens a page with every network request other than file: and data: refused, collects console
 * errors and uncaught exceptions, evaluates expressions, takes screenshots. Used by the report's
 * browser test and the report bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.FEDSIM_CHROMIUM ?? 'chromium';

interface Pending {
  resolve: (v: Record<string, unknown>) => void;
  reject: (e: Error) => void;
}

export class Browser {
  /** Console errors, uncaught exceptions and refused requests, as sentences. */
  readonly errors: string[] = [];
  /** URLs the page asked for other than file: and data:. */
  readonly network: string[] = [];
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: { method: string; resolve: () => void }[] = [];

  private constructor(
    private readonly proc: ChildProcess,
    private readonly ws: WebSocket,
    private readonly profile: string,
  ) {
    ws.addEventListener('message', (ev) => this.onMessage(JSON.parse(String(ev.data))));
  }

  static async launch(width = 1200, height = 900): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'fedsim-chromium-'));
    const proc = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--hide-scrollbars',
        '--no-first-run',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        // No name resolves: nothing on the page can reach the network even if a request slipped through.
        '--host-resolver-rules=MAP * ~NOTFOUND',
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        '--remote-debugging-port=0',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`chromium did not start within 60 s: ${err.slice(-500)}`)), 60_000);
      proc.on('error', (e) => reject(new Error(`${CHROMIUM} could not be started (${e.message}); on Debian: apt-get install chromium`)));
      proc.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const port = new URL(url).port;
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    const page = targets.find((t) => t.type === 'page')!;
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', () => reject(new Error('DevTools connection failed')), { once: true });
    });
    const b = new Browser(proc, ws, profile);
    await b.send('Runtime.enable');
    await b.send('Log.enable');
    await b.send('Page.enable');
    await b.send('Network.enable');
    await b.send('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
    return b;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.seq;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  // biome-ignore lint/suspicious/noExplicitAny: DevTools events are JSON of many shapes, read field by field here
  private onMessage(m: { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: any }) {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result ?? {});
      return;
    }
    const { method, params } = m;
    if (method === 'Runtime.consoleAPICalled' && (params.type === 'error' || params.type === 'assert'))
      this.errors.push(
        `console.${params.type}: ${params.args.map((a: { value?: unknown; description?: string }) => a.value ?? a.description).join(' ')}`,
      );
    if (method === 'Runtime.exceptionThrown')
      this.errors.push(`uncaught: ${params.exceptionDetails.exception?.description ?? params.exceptionDetails.text}`);
    if (method === 'Log.entryAdded' && params.entry.level === 'error')
      this.errors.push(`log: ${params.entry.text} ${params.entry.url ?? ''}`);
    if (method === 'Fetch.requestPaused') {
      const url: string = params.request.url;
      if (/^(file|data):/.test(url)) void this.send('Fetch.continueRequest', { requestId: params.requestId });
      else {
        this.network.push(url);
        void this.send('Fetch.failRequest', { requestId: params.requestId, errorReason: 'BlockedByClient' });
      }
    }
    for (const w of this.waiters.filter((x) => x.method === method)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  private next(method: string): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }

  /** Opens url and waits for its load event. */
  async open(url: string): Promise<void> {
    const loaded = this.next('Page.loadEventFired');
    await this.send('Page.navigate', { url });
    await loaded;
  }

  async eval<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })) as {
      result: { value: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** Polls expression until it is truthy (or throws after timeoutMs). */
  async until<T>(expression: string, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.eval<T>(expression);
      if (v) return v;
      if (Date.now() > end) throw new Error(`${expression} still false after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A PNG of the whole page. */
  async screenshot(): Promise<Buffer> {
    const r = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true })) as { data: string };
    return Buffer.from(r.data, 'base64');
  }

  async close(): Promise<void> {
    this.ws.close();
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    rmSync(this.profile, { recursive: true, force: true });
  }
}
