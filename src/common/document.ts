import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { errnoSentence, FedsimError } from '../errors.js';

/** `a.b[2].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

/**
 * A union (a scenario's topology: a path or a mapping) reports only "Invalid input"; the useful
 * issue is the one of the branch whose type matched, with its path under the union's.
 */
function unionBranchIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  for (const branch of issue.errors) {
    const inner = branch[0];
    if (inner && !(inner.code === 'invalid_type' && inner.path.length === 0))
      return unionBranchIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
  }
  return issue;
}

/** The first problem of a failed parse, as one line naming the field; the count of the others. */
export function describeIssues(error: z.ZodError): string {
  // An unknown key first: a misspelt key also makes the intended one "missing", and the typo is the news.
  const issues = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const [found, ...rest] = issues;
  if (!found) return 'invalid';
  const first = unionBranchIssue(found);
  const at = formatPath(first.path);
  const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  const missing = first.code === 'invalid_type' && first.input === undefined;
  // zod's whole numbers are bounded by 2^53 before any bound of the field's own: not the user's concern.
  const bound = first.code === 'too_big' ? first.maximum : first.code === 'too_small' ? first.minimum : undefined;
  const unsafe = Math.abs(Number(bound)) === Number.MAX_SAFE_INTEGER;
  const message = unsafe ? `too ${first.code === 'too_big' ? 'large' : 'small'} a number for this field` : first.message;
  return `${at ? `${at}: ` : ''}${missing ? `missing (expected ${first.expected})` : message}${more}`;
}

/** The largest topology or scenario file fedsim reads. */
const MAX_DOCUMENT = 1_000_000;

/**
 * Texts of files that cannot be read twice (a pipe such as `<(cat f)`, stdin as `-`, a device):
 * `validate` looks at a document before loading it, and a second read of a pipe finds it empty.
 */
const readOnce = new Map<string, string>();

/** A file's text, read once and at most MAX_DOCUMENT bytes whatever it is (/dev/zero ends too). */
function readText(file: string): string {
  const kept = readOnce.get(file);
  if (kept !== undefined) return kept;
  const stdin = file === '-';
  let fd: number | undefined;
  try {
    fd = stdin ? 0 : openSync(file, 'r');
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FedsimError(`${file}: a folder, not a file; give a topology or scenario file.`);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(65_536);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (!n) break;
      chunks.push(chunk.subarray(0, n));
      size += n;
      if (size > MAX_DOCUMENT) throw new FedsimError(`${file}: larger than 1 MB; that is no topology or scenario file.`);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (stdin || !st.isFile()) readOnce.set(file, text);
    return text;
  } catch (err) {
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`${file}: cannot be read: ${errnoSentence(err)}.`);
  } finally {
    if (fd !== undefined && !stdin) closeSync(fd);
  }
}

/** Reads YAML or JSON text from a file (`-`: stdin); any problem is a FedsimError that names the file. */
export function readDocument(file: string): unknown {
  const text = readText(file);
  if (text.includes('\u0000') || text.includes('\uFFFD')) throw new FedsimError(`${file}: not a text file; expected YAML or JSON.`);
  if (text.trim() === '') throw new FedsimError(`${file}: the file is empty; expected YAML or JSON.`);
  try {
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const first = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
      throw new FedsimError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: not valid YAML or JSON: ${first}`);
    }
    throw new FedsimError(`${file}: not valid YAML or JSON.`);
  }
}

/** Parses a document against a schema; the first issue becomes a one-line FedsimError. */
export function parseWith<S extends z.ZodType>(schema: S, doc: unknown, file: string): z.output<S> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new FedsimError(
      `${file}: expected a mapping of keys at the top level, got ${Array.isArray(doc) ? 'a list' : typeof doc === 'object' ? 'nothing' : typeof doc}.`,
    );
  }
  const result = schema.safeParse(doc);
  if (!result.success) throw new FedsimError(`${file}: ${describeIssues(result.error)}`, 2);
  return result.data;
}
