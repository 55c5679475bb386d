/**
 * Imported first by the CLI, so that it runs before the heavy modules load: a SIGINT or SIGTERM that
 * arrives while fedsim is still starting is kept for the command's own handling (interrupt.ts)
 * instead of killing the process half-way. A second one exits at once.
 */
const kept: NodeJS.Signals[] = [];

function keep(sig: NodeJS.Signals): void {
  if (kept.length) process.exit(130);
  kept.push(sig);
}

process.on('SIGINT', keep);
process.on('SIGTERM', keep);

/** The signals received so far; from now on the caller handles them. */
export function takeEarlySignals(): NodeJS.Signals[] {
  process.off('SIGINT', keep);
  process.off('SIGTERM', keep);
  return kept.splice(0);
}
