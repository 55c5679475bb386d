import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FedsimError } from '../errors.js';
import type { Answer, Judged, JudgeFiles } from './judge.js';

/**
 * What `fedsim check` runs on its own thread, apart from judge.ts: this module imports nothing
 * heavy, so the command's thread starts the judging thread at once instead of first loading every
 * checker, zod schema and report module that thread loads again for itself.
 */

/**
 * judge.ts's `judge` in a thread of its own whose young generation is kept small: a million
 * operations held while they load make V8 grow it to 128 MB, a quarter of the process's peak, for
 * no speed gained. From the sources (no compiled judge.js beside this file, as under the unit
 * tests) it runs in place.
 */
export async function judgeApart(files: JudgeFiles): Promise<Judged> {
  const url = new URL('./judge.js', import.meta.url);
  if (!import.meta.url.endsWith('.js') || !existsSync(fileURLToPath(url))) return (await import('./judge.js')).judge(files);
  const worker = new Worker(url, { workerData: { judge: files }, resourceLimits: { maxYoungGenerationSizeMb: 16 } });
  const answer = await new Promise<Answer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the judging thread ended (code ${code}) before it answered`)));
  });
  await worker.terminate();
  if ('refused' in answer) throw new FedsimError(answer.refused.message, answer.refused.exitCode);
  if ('crashed' in answer) throw new Error(answer.crashed);
  return answer.judged;
}
