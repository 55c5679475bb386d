import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkHistory } from '../checkers/all.js';
import type { Verdict } from '../checkers/verdict.js';
import { FedsimError } from '../errors.js';
import { loadFaultLog } from '../faults/log.js';
import { loadHistory } from '../workload/history.js';

const MARK: Record<Verdict['status'], string> = { pass: 'PASS', fail: 'FAIL', unknown: '????' };

/**
 * `fedsim check HISTORY [--faults FILE] [--json]`: runs every checker on a saved history, with no
 * containers. The fault log defaults to faults.jsonl beside the history. Exit 1 when one fails.
 */
export async function checkCommand(file: string, opts: { faults?: string; json?: boolean }): Promise<void> {
  const history = await loadHistory(file);
  const faultsFile = opts.faults ?? join(dirname(file), 'faults.jsonl');
  if (opts.faults && !existsSync(opts.faults)) throw new FedsimError(`${opts.faults}: no such fault log.`);
  const faults = existsSync(faultsFile) ? loadFaultLog(faultsFile) : [];
  const verdicts = checkHistory(history, faults);
  if (opts.json) process.stdout.write(`${JSON.stringify(verdicts, null, 2)}\n`);
  else {
    process.stdout.write(`${file}: ${history.ops.length} operations, ${faults.length} fault(s)\n`);
    for (const v of verdicts) process.stdout.write(`  ${MARK[v.status]}  ${v.checker.padEnd(12)} ${v.summary}\n`);
  }
  if (verdicts.some((v) => v.status === 'fail')) process.exitCode = 1;
}
