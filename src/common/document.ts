import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { FedsimError } from '../errors.js';

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
  return `${at ? `${at}: ` : ''}${missing ? `missing (expected ${first.expected})` : first.message}${more}`;
}

/** Reads YAML or JSON text from a file; any problem is a FedsimError that names the file. */
export function readDocument(file: string): unknown {
  let text: string;
  try {
    if (statSync(file).size > 1_000_000) throw new FedsimError(`${file}: larger than 1 MB; that is no topology or scenario file.`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof FedsimError) throw err;
    throw new FedsimError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); check the path.`);
  }
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
