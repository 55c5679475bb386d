import { takeEarlySignals } from '../signals.js';

/**
 * SIGINT/SIGTERM abort the returned controller: the running command stops at its next step and
 * cleans up after itself. A second signal exits at once (the label-based `fedsim down`/`gc` remains).
 * A view may abort it too (the dashboard's q).
 */
export function interruptController(say: (line: string) => void, onFirst = 'stopping and cleaning up'): AbortController {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      say(`${sig} again: exiting without cleaning up; \`fedsim gc\` removes what is left`);
      process.exit(130);
    }
    say(`${sig}: ${onFirst} (press again to exit at once)`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // One that came while fedsim was loading counts as the first.
  for (const sig of takeEarlySignals()) onSignal(sig);
  return controller;
}
