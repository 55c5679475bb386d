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

// `fedsim scenarios | head`: the reader went away, so there is nothing left to say to it. Without
// this, the next write throws EPIPE out of an event emitter and prints a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
