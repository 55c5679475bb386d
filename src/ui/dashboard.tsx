import { Box, render, Text, useInput, useWindowSize } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { saturation } from '../checkers/floor.js';
import type { FaultRecord } from '../faults/log.js';
import { regionLooks } from '../report/look.js';
import type { NodeState } from '../runtime/watch.js';
import type { RunEvent } from '../scenarios/events.js';
import { activeFaults, faultsOnLink, initialState, nextStep, reduce, type ViewState } from './state.js';

/**
 * The live dashboard (ink): renders snapshots of the view state, which only the run's events
 * change. Events are reduced as they come (cheap); the screen is redrawn at most every
 * `REDRAW_MS`, so a slow terminal never holds up the run.
 */
const REDRAW_MS = 250;

/** Runs `task` once, `ms` from now. The screen's is setTimeout; tests pass one they run by hand. */
export type Scheduler = (task: () => void, ms: number) => void;

const timers: Scheduler = (task, ms) => {
  setTimeout(task, ms);
};

/** Holds the view state; tells the screen about changes at most every REDRAW_MS. */
export class ViewStore {
  private state: ViewState = initialState();
  private readonly listeners = new Set<() => void>();
  private redrawDue = false;

  constructor(private readonly schedule: Scheduler = timers) {}

  readonly emit = (event: RunEvent): void => {
    this.state = reduce(this.state, event);
    if (this.redrawDue) return;
    this.redrawDue = true;
    this.schedule(() => {
      this.redrawDue = false;
      for (const l of this.listeners) l();
    }, REDRAW_MS);
  };

  readonly get = (): ViewState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

const noColor = () => 'NO_COLOR' in process.env && process.env.NO_COLOR !== '';
/** A color, or none when NO_COLOR is set: every state also reads as a symbol and a word. */
const tone = (color: string): string | undefined => (noColor() ? undefined : color);

const NODE_LOOK: Record<NodeState, { symbol: string; color: string }> = {
  up: { symbol: '●', color: 'green' },
  starting: { symbol: '◌', color: 'yellow' },
  paused: { symbol: '‖', color: 'yellow' },
  down: { symbol: '✖', color: 'red' },
};

const SPARKS = '▁▂▃▄▅▆▇█';
export function sparkline(values: number[]): string {
  const max = Math.max(1, ...values);
  return values.map((v) => SPARKS[Math.min(SPARKS.length - 1, Math.round((v / max) * (SPARKS.length - 1)))]).join('');
}

const secs = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;
const clockOf = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const ms = (v?: number) => (v === undefined ? '-' : v < 10 ? v.toFixed(1) : v.toFixed(0));

function Header({ s, now }: { s: ViewState; now: number }) {
  const elapsed = s.startedAt ? now - s.startedAt : 0;
  const left = s.runEnd && !s.verdict ? ` · ${secs(s.runEnd - now)} left` : '';
  const verdict = s.verdict ? (s.verdict.passed ? 'PASS' : 'FAIL') : undefined;
  const fed = s.plan && s.plan.federation !== s.scenario ? ` · fed ${s.plan.federation}` : '';
  return (
    <Box justifyContent="space-between">
      <Text bold wrap="truncate">
        fedsim · {s.scenario ?? '…'}
        {fed}
        {s.phase === 'watching' ? '' : ` · seed ${s.seed ?? '-'}`}
      </Text>
      <Text>
        {' '}
        {clockOf(elapsed)}
        {left} ·{' '}
        <Text bold color={tone(verdict === 'FAIL' ? 'red' : verdict ? 'green' : 'cyan')} inverse={!!verdict}>
          {verdict ?? s.phase.toUpperCase()}
        </Text>
      </Text>
    </Box>
  );
}

/** Per region: its clusters' nodes (symbol, and the word for any not up), then its traffic now. */
function Regions({ s, width }: { s: ViewState; width: number }) {
  const plan = s.plan;
  if (!plan) return <Text dimColor>starting the federation…</Text>;
  const wide = width >= 100;
  const looks = regionLooks(plan.regions);
  return (
    <Box flexDirection="column">
      <Text dimColor>
        {'region'.padEnd(16)}
        {'nodes'.padEnd(wide ? 34 : 22)}
        {'op/s'.padStart(6)} {'trend'.padEnd(wide ? 16 : 8)} {'p50'.padStart(6)} {'p99'.padStart(6)} {'err/s'.padStart(6)}
      </Text>
      {plan.regions.map((region) => {
        const nodes = plan.nodes.filter((n) => n.region === region);
        const t = s.traffic?.regions[region];
        const spark = (s.spark[region] ?? []).slice(wide ? -16 : -8);
        const notUp = nodes.filter((n) => (s.nodes[n.name] ?? 'starting') !== 'up');
        const label = notUp.length ? notUp.map((n) => `${n.name.split('-').at(-1)} ${s.nodes[n.name] ?? 'starting'}`).join(' ') : 'up';
        return (
          <Text key={region}>
            <Text color={tone(looks[region]!.color)}>{region.slice(0, 15).padEnd(16)}</Text>
            {nodes.map((n) => {
              const look = NODE_LOOK[s.nodes[n.name] ?? 'starting'];
              return (
                <Text key={n.name} color={tone(look.color)}>
                  {look.symbol}
                </Text>
              );
            })}{' '}
            {label.slice(0, (wide ? 33 : 21) - nodes.length).padEnd((wide ? 33 : 21) - nodes.length)}
            {t ? t.opsPerSec.toFixed(0).padStart(6) : '-'.padStart(6)} {sparkline(spark).padEnd(wide ? 16 : 8)} {ms(t?.p50).padStart(6)}{' '}
            {ms(t?.p99).padStart(6)}{' '}
            <Text color={tone(t?.errorsPerSec ? 'red' : 'gray')}>{t ? t.errorsPerSec.toFixed(0).padStart(6) : '-'.padStart(6)}</Text>
          </Text>
        );
      })}
    </Box>
  );
}

/** The matrix of regions: configured round trip / median the workload measures now, in ms; faults marked. */
function Links({ s, width }: { s: ViewState; width: number }) {
  const plan = s.plan;
  if (!plan || plan.regions.length < 2) return null;
  const cell = Math.max(12, Math.min(22, Math.floor((width - 16) / plan.regions.length)));
  const looks = regionLooks(plan.regions);
  const configured = (from: string, to: string) => plan.links.find((l) => l.from === from && l.to === to)?.latencyMs ?? 0;
  return (
    <Box flexDirection="column">
      <Text dimColor>
        {'rtt ms cfg/now'.padEnd(16)}
        {plan.regions.map((r) => r.slice(0, cell - 1).padEnd(cell)).join('')}
      </Text>
      {plan.regions.map((from) => (
        <Text key={from}>
          <Text color={tone(looks[from]!.color)}>{from.slice(0, 15).padEnd(16)}</Text>
          {plan.regions.map((to) => {
            const faulted = [...faultsOnLink(s, from, to), ...faultsOnLink(s, to, from)];
            const now = s.traffic?.links[`${from}->${to}`];
            const text = `${configured(from, to) + configured(to, from)}/${now === undefined ? '-' : now.toFixed(0)}${faulted.length ? ` !${faulted[0]!.kind}` : ''}`;
            return (
              <Text key={to} color={tone(faulted.length ? 'red' : from === to ? 'gray' : 'white')} bold={faulted.length > 0}>
                {text.slice(0, cell - 1).padEnd(cell)}
              </Text>
            );
          })}
        </Text>
      ))}
    </Box>
  );
}

/** The noise floor so far in one line: quiet in grey, beyond its bounds in yellow with why. */
function Floor({ s, width }: { s: ViewState; width: number }) {
  if (!s.floor) return null;
  const f = s.floor;
  const why = saturation(f);
  const canary = Math.max(0, ...f.canary.map((c) => c.p99));
  const links = (f.links ?? []).filter((l) => l.count).map((l) => l.p50 - l.configuredMs);
  const off = links.length ? links.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a)) : undefined;
  const text = why.length
    ? `noise floor BEYOND its bounds: ${why.join('; ')}`
    : `noise floor: cpu ${(f.hostCpu.mean * 100).toFixed(0)}% (p90 ${(f.hostCpu.p90 * 100).toFixed(0)}%) · loop p99 ${f.eventLoop.p99.toFixed(0)} ms · canary p99 ${ms(canary)} ms${off === undefined ? '' : ` · links ${off >= 0 ? '+' : ''}${off.toFixed(1)} ms of cfg`}`;
  return (
    <Text color={tone(why.length ? 'yellow' : 'gray')} wrap="truncate">
      {text.slice(0, width)}
    </Text>
  );
}

function faultLabel(f: { kind: string; target: string }): string {
  return `${f.kind} ${f.target}`;
}

function Faults({ s, now, width }: { s: ViewState; now: number; width: number }) {
  const active = activeFaults(s);
  const next = nextStep(s, now);
  const done = s.faults.filter((f) => f.undone || f.error).length;
  const left = (f: FaultRecord) =>
    f.forMs !== undefined && f.effect ? `${secs(Date.parse(f.effect.wall) + f.forMs - now)} left` : 'until heal';
  return (
    <Box flexDirection="column" width={width}>
      <Text dimColor>faults</Text>
      {active.map((f) => (
        <Text key={f.id} color={tone('red')} bold>
          ▶ {faultLabel(f).slice(0, width - 14)} {left(f)}
        </Text>
      ))}
      {!active.length && <Text dimColor>none active</Text>}
      {s.alerts
        .filter((a) => a.status === 'firing')
        .map((a) => (
          <Text key={a.fingerprint} color={tone('magenta')}>
            ⚑ {`${a.alert} ${a.labels.node ?? a.labels.region ?? a.labels.client_region ?? ''}`.slice(0, width - 10)} firing
          </Text>
        ))}
      {next && (
        <Text>
          next in {secs(next.at - now)}: {next.step.heal ? 'heal' : faultLabel(next.step.fault!).slice(0, width - 16)}
        </Text>
      )}
      <Text dimColor>{done} done</Text>
    </Box>
  );
}

const EXPECT_LOOK = {
  pending: { symbol: '…', color: 'gray' },
  holding: { symbol: '✔', color: 'green' },
  failed: { symbol: '✖', color: 'red' },
} as const;

function Expectations({ s, width }: { s: ViewState; width: number }) {
  return (
    <Box flexDirection="column" width={width}>
      <Text dimColor>expectations</Text>
      {s.expectations.map((e) => {
        const look = EXPECT_LOOK[e.state];
        const word = e.state === 'holding' ? (s.verdict ? 'holds' : 'holding') : e.state;
        return (
          <Text key={e.name} color={tone(look.color)}>
            {look.symbol} {e.name.padEnd(20)} {word}
          </Text>
        );
      })}
      {!s.expectations.length && <Text dimColor>pending</Text>}
    </Box>
  );
}

const KEYS = 'q quit (heals and cleans up) · h heal now · ? keys';

export function Dashboard({ store, onQuit, onHeal }: { store: ViewStore; onQuit: () => void; onHeal: () => void }) {
  const s = useSyncExternalStore(store.subscribe, store.get);
  const { columns } = useWindowSize();
  const [now, setNow] = useState(Date.now());
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  useInput((input, key) => {
    // The terminal is in raw mode while ink reads keys: Ctrl-C arrives here, not as SIGINT.
    if (input === 'q' || (key.ctrl && input === 'c')) onQuit();
    else if (input === 'h') onHeal();
    else if (input === '?') setHelp((x) => !x);
  });
  const width = Math.max(60, columns - 1);
  const half = Math.floor(width / 2);
  return (
    <Box flexDirection="column" width={width}>
      <Header s={s} now={now} />
      <Regions s={s} width={width} />
      <Links s={s} width={width} />
      <Floor s={s} width={width} />
      <Box>
        <Faults s={s} now={now} width={half} />
        <Expectations s={s} width={width - half} />
      </Box>
      {s.verdict ? (
        <Text bold color={tone(s.verdict.passed ? 'green' : 'red')}>
          verdict: {s.verdict.passed ? 'PASS, every expectation holds' : 'FAIL'} · run folder {s.verdict.dir}
        </Text>
      ) : (
        <Text dimColor>{(s.lines.at(-1) ?? '').slice(0, width)}</Text>
      )}
      <Text dimColor>{help ? `${KEYS} · Ctrl-C also quits` : '? keys'}</Text>
    </Box>
  );
}

const turnedOn = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false';

/**
 * Whether a command draws the live dashboard: on a terminal (stdin and stdout), unless --no-ui, and
 * not in CI (CI or CONTINUOUS_INTEGRATION set), whose logs want the plain lines even when a job has a TTY.
 */
export function dashboardWanted(
  ui: boolean | undefined,
  where: { stdinTTY?: boolean; stdoutTTY?: boolean; env: NodeJS.ProcessEnv } = {
    stdinTTY: process.stdin.isTTY,
    stdoutTTY: process.stdout.isTTY,
    env: process.env,
  },
): boolean {
  const inCi = turnedOn(where.env.CI) || turnedOn(where.env.CONTINUOUS_INTEGRATION);
  return ui !== false && Boolean(where.stdinTTY) && Boolean(where.stdoutTTY) && !inCi;
}

/** Draws the dashboard on the terminal until the returned stop is called (which leaves the last screen). */
export function showDashboard(store: ViewStore, actions: { onQuit: () => void; onHeal: () => void }): () => void {
  // fedsim has decided (dashboardWanted); ink's own CI guess would otherwise draw only the last frame.
  const app = render(<Dashboard store={store} {...actions} />, { exitOnCtrlC: false, patchConsole: false, interactive: true });
  return () => {
    app.rerender(<Dashboard store={store} {...actions} />);
    app.unmount();
  };
}
