import type { NodeState } from '../runtime/watch.js';
import type { Emit, RunEvent } from '../scenarios/events.js';

/**
 * The run as plain, timestamped lines, for CI logs and `--no-ui`: a line per phase, per fault and
 * per node state change, and a progress line at most every `progressMs`.
 */
export function plainLines(write: (line: string) => void, opts: { progressMs?: number; now?: () => number } = {}): Emit {
  const now = opts.now ?? Date.now;
  const t0 = now();
  const progressMs = opts.progressMs ?? 5000;
  let lastProgress = -Infinity;
  let nodes: Record<string, NodeState> = {};
  const out = (line: string) => write(`[+${((now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`);
  return (e: RunEvent) => {
    switch (e.type) {
      case 'line':
        return out(e.line);
      case 'phase':
        return out(`phase: ${e.phase}${e.lasts !== undefined ? ` (${e.lasts / 1000} s)` : ''}`);
      case 'nodes': {
        const changed = Object.entries(e.states).filter(([n, st]) => nodes[n] !== undefined && nodes[n] !== st);
        nodes = e.states;
        if (changed.length) out(`nodes: ${changed.map(([n, st]) => `${n} ${st}`).join(', ')}`);
        return;
      }
      case 'traffic': {
        if (now() - lastProgress < progressMs) return;
        lastProgress = now();
        const parts = Object.entries(e.sample.regions).map(
          ([region, t]) =>
            `${region} ${t.opsPerSec.toFixed(0)} op/s${t.p99 !== undefined ? ` p99 ${t.p99.toFixed(0)} ms` : ''}${t.errorsPerSec ? ` ${t.errorsPerSec.toFixed(0)} err/s` : ''}`,
        );
        return out(`progress: ${parts.join('; ')}`);
      }
      // Faults are told by their own lines; expectations and the verdict by the command at the end.
      default:
        return;
    }
  };
}
