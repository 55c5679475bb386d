import { FedsimError } from '../errors.js';
import { connectEngine } from '../runtime/engine.js';
import { imageSourceFrom } from '../runtime/images.js';
import { loadScenario } from '../scenarios/file.js';
import { runScenario } from '../scenarios/runner.js';
import { interruptSignal } from './interrupt.js';

/**
 * `fedsim run SCENARIO [--out DIR] [--seed N]`: runs a scenario with plain, timestamped lines (the
 * live dashboard is the next step). Exit 0 when every expectation holds, 1 when one fails, 2 when
 * the run itself could not be done, 130 on Ctrl-C.
 */
export async function runCommand(file: string, opts: { out?: string; seed?: string; imageSource?: string }): Promise<void> {
  if (opts.seed !== undefined && !/^\d+$/.test(opts.seed)) throw new FedsimError(`--seed expects a whole number, got "${opts.seed}".`);
  const loaded = loadScenario(file);
  const engine = await connectEngine();
  const t0 = Date.now();
  const say = (line: string) => process.stderr.write(`[+${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
  const result = await runScenario(engine, loaded, {
    out: opts.out,
    seed: opts.seed === undefined ? undefined : Number(opts.seed),
    imageSource: imageSourceFrom(opts.imageSource),
    say,
    signal: interruptSignal(say),
  });
  const r = result.report;
  process.stdout.write(`${r.scenario}: ${r.passed ? 'PASS' : 'FAIL'} (seed ${r.seed}, ${r.seconds.total.toFixed(0)} s)\n`);
  for (const e of r.expectations)
    process.stdout.write(`  ${e.holds ? 'holds ' : e.status === 'unknown' ? 'unknown' : 'FAILS '}  ${e.name.padEnd(20)} ${e.summary}\n`);
  process.stdout.write(`run folder: ${result.dir} (summary.md first)\n`);
  if (!result.passed) process.exitCode = 1;
}
