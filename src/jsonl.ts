import { readFileSync } from 'node:fs';
import { errnoSentence, FedsimError } from './errors.js';

/**
 * The lines of a small JSON-lines file of a run (the fault log, alerts.jsonl), parsed; a malformed
 * line is one sentence naming the file and line. Histories, which run long, are streamed instead.
 */
export function readJsonLines<T>(file: string, what: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FedsimError(`${file}: cannot be read: ${errnoSentence(err)}.`);
  }
  return text.split('\n').flatMap((text, i) => {
    if (!text.trim()) return [];
    try {
      return [JSON.parse(text) as T];
    } catch {
      throw new FedsimError(`${file}:${i + 1}: not a JSON line; is this a fedsim ${what}?`);
    }
  });
}
