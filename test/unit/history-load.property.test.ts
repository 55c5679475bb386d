import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type HistoryLine, HistoryWriter, loadHistory, type MetaLine } from '../../src/workload/history.js';
import { metaLine } from './histories.js';

/**
 * The loader reads the lines a run writes most straight from their bytes, and leaves every other
 * line to JSON.parse. Whatever the text of a line, what it loads must be what JSON.parse of that
 * text joined gives: random invoke and completion lines, their keys in any order, written with
 * whitespace, escapes, non-ASCII names, exponents, long fractions, -0, leading-zero-free integers,
 * keys repeated and keys no checker reads, each compared with JSON.parse of the same lines.
 */
const dir = mkdtempSync(join(tmpdir(), 'fedsim-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A JSON text of a number that JSON.parse reads as some double. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e9 }).map((d) => JSON.stringify(d)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: 0, max: 1e9 }).map((d) => d.toExponential()),
  fc.integer({ min: 0, max: 2 ** 31 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.stringMatching(/^[0-9]{1,20}$/)).map(([i, f]) => `${i}.${f}`),
  // Beyond 15 digits a double cannot hold every mantissa: only a correctly rounded conversion reads them.
  fc.stringMatching(/^-?[1-9][0-9]{14,19}(\.[0-9]{1,4})?$/),
  fc.stringMatching(/^0\.[0-9]{14,19}$/),
  fc.constantFrom('0', '-0', '0.0', '1E2', '1e+2', '25e-1', '123456789012345', '1234567890123456', '0.30000000000000004'),
);

/** A JSON text of a string: plain names mostly, some with escapes or non-ASCII characters. */
const stringText = fc.oneof(
  fc.constantFrom('us-east-1', 'eu-west-1', 'w-eu-1', 'main', 'write', 'read', 'LOCAL_QUORUM').map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"a\\u0062c"', '"tab\\there"', '"é"', `"${'x'.repeat(80)}"`),
);

const space = fc.constantFrom('', '', '', ' ', '\t');

/** One line: the fields of `fields` (key -> JSON text), in the drawn order, with drawn spacing. */
function text(fields: [string, string][], spaces: string[]): string {
  const s = (i: number) => spaces[i % spaces.length] ?? '';
  return `${s(0)}{${fields.map(([k, v], i) => `${s(i + 1)}"${k}"${s(i + 2)}:${s(i + 3)}${v}`).join(',')}${s(1)}}${s(2)}`;
}

/** What a read returned: skipped from the bytes when it is an array of numbers, else JSON.parse's. */
const elementsText = fc.oneof(
  fc.array(numberText, { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  fc.array(fc.oneof(numberText, stringText), { maxLength: 3 }).map((xs) => `[ ${xs.join(' , ')} ]`),
);

const extra = fc.array(
  fc.oneof(
    fc.tuple(
      fc.constantFrom('consistency', 'workload', 'error', 'coordinator', 'element', 'value', 'other'),
      fc.oneof(stringText, numberText),
    ),
    fc.tuple(fc.constant('elements'), elementsText),
  ),
  { maxLength: 3 },
);

const op = fc.record({
  region: stringText,
  kind: stringText,
  workspace: stringText,
  cluster: stringText,
  element: fc.option(numberText),
  invokeExtra: extra,
  outcome: fc.constantFrom('ok', 'fail', 'info'),
  completeExtra: extra,
  t: numberText,
  spaces: fc.array(space, { minLength: 1, maxLength: 5 }),
  order: fc.integer({ min: 0, max: 1000 }),
  crlf: fc.boolean(),
});

/** Rotates a list by n: the keys in another order. */
const rotate = <T>(xs: T[], n: number) => xs.map((_, i) => xs[(i + n) % xs.length]!);

describe('loading a history', () => {
  it('reads every line as JSON.parse of its text would', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const meta: MetaLine = metaLine();
        const lines: string[] = [JSON.stringify(meta)];
        ops.forEach((o, id) => {
          // Times ascending, so that each completion comes after its invoke whatever the numbers drawn.
          const invoke: [string, string][] = [
            ['type', '"invoke"'],
            ['id', String(id)],
            ['t', String(2 * id)],
            ['region', o.region],
            ['kind', o.kind],
            ['workspace', o.workspace],
            ['cluster', o.cluster],
            ...(o.element === null ? [] : ([['element', o.element]] as [string, string][])),
            ...o.invokeExtra,
          ];
          const t = JSON.parse(o.t) as number;
          const complete: [string, string][] = [
            ['type', JSON.stringify(o.outcome)],
            ['id', String(id)],
            ['t', t >= 2 * id && t <= 2 * id + 1 ? o.t : String(2 * id + 1)],
            ...o.completeExtra,
          ];
          const eol = o.crlf ? '\r' : '';
          lines.push(text(rotate(invoke, o.order), o.spaces) + eol, text(rotate(complete, o.order + 1), o.spaces) + eol);
        });
        const file = join(dir, `h${run++}.jsonl`);
        writeFileSync(file, `${lines.join('\n')}\n`);
        const expected = new HistoryWriter(meta);
        for (const line of lines.slice(1)) expected.add(JSON.parse(line) as Exclude<HistoryLine, MetaLine>);
        const loaded = await loadHistory(file);
        expect(loaded.ops).toStrictEqual(expected.history.ops);
        // Signed zero and exact doubles, which toStrictEqual already compares with Object.is.
        loaded.ops.forEach((o, i) => {
          expect(Object.is(o.element, expected.history.ops[i]!.element)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('refuses the same lines JSON.parse refuses, naming the line', async () => {
    const meta = JSON.stringify(metaLine());
    for (const bad of [
      '{"type":"invoke","id":01,"t":0}',
      '{"type":"invoke","id":1,"t":0,}',
      '{"type":"invoke","id":1,"t":.5}',
      '{"type":"invoke","id":1,"t":1.}',
      '{"type":"invoke","id":1,"t":-}',
      '{"type":"invoke","id":1,"t":1e}',
      '{"type":"invoke","id":1,"t":0}x',
      '{"type":"invoke","id":1 "t":0}',
      '{"type":"ok","id":1,"t":0,"elements":[1,]}',
      '{"type":"ok","id":1,"t":0,"elements":[01]}',
      '{"type":"ok","id":1,"t":0,"elements":[1 2]}',
      '{"type":"ok","id":1,"t":0,"elements":[1,2}',
      '{"type":"ok","id":1,"t":0,"elements":[,]}',
    ]) {
      const file = join(dir, 'bad.jsonl');
      writeFileSync(file, `${meta}\n${bad}\n`);
      await expect(loadHistory(file), bad).rejects.toThrow(`${file}:2: not a JSON line`);
    }
  });
});
