import type { ExitLine } from '../workload/history.js';
import { type CommandWorkload, commandLabel } from '../workload/kinds.js';
import type { Checker } from './verdict.js';

/** The name of a command workload's expectation in reports. */
export const commandExitName = (workload: string): string => `command ${workload}`;

/**
 * A command workload's expectation: its program ran, ended with the exit code the scenario asks for,
 * and every line it wrote on stdout was an operation. Read from the history's exit line, so
 * `fedsim check` judges it again; `unknown` when the program did not finish within the run.
 */
export function commandExit(spec: CommandWorkload): Checker {
  return ({ history }) => {
    const checker = commandExitName(spec.name);
    const label = commandLabel(spec);
    const exit: ExitLine | undefined = history.exits.find((x) => x.workload === spec.name);
    if (!exit) return { checker, status: 'unknown', summary: `${label} did not finish within the run`, evidence: {} };
    const evidence = { ...exit };
    const stderr = exit.stderr ? `; its last stderr line: ${exit.stderr}` : '';
    if (exit.error) return { checker, status: 'fail', summary: `${label}: ${exit.error}`, evidence };
    const problems: string[] = [];
    if (exit.code !== spec.exit) {
      const how =
        exit.code !== null
          ? `exited with ${exit.code}`
          : `was ended by ${exit.signal}${exit.stopped ? ' (stopped at the end of the run)' : ''}`;
      problems.push(`${how}, expected ${spec.exit}${stderr}`);
    }
    if (exit.invalid)
      problems.push(
        `wrote ${exit.invalid} stdout line(s) that are not operations, skipped with the rest kept (first: ${exit.firstInvalid})`,
      );
    if (problems.length) return { checker, status: 'fail', summary: `${label} ${problems.join('; ')}`, evidence };
    return { checker, status: 'pass', summary: `${label} exited with ${exit.code}, ${exit.operations} operations`, evidence };
  };
}
