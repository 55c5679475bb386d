import { KINDS } from './kinds.js';
import { flagOf, PARAM_NAMES, PARAMS, type Param } from './params.js';

/**
 * What people read about fault kinds, derived from the registry: `fedsim fault`'s options and their
 * help, the target argument's help, and the README's table (test/unit/fault-kinds.test.ts keeps the
 * README equal to `faultTable()`).
 */

/** `latency`, or `node kinds` when every kind of a family says the same. */
function label(names: string[]): string {
  const families = new Set(KINDS.filter((k) => names.includes(k.name)).map((k) => k.family));
  const [family] = families;
  if (families.size === 1 && names.length > 1 && KINDS.filter((k) => k.family === family).length === names.length) return `${family} kinds`;
  return names.join('/');
}

/** Groups kinds by what they say, in the registry's order: "a: x; b/c: y". */
function grouped(say: (k: (typeof KINDS)[number]) => string | undefined): string {
  const groups = new Map<string, string[]>();
  for (const k of KINDS) {
    const text = say(k);
    if (text !== undefined) groups.set(text, [...(groups.get(text) ?? []), k.name]);
  }
  return [...groups].map(([text, names]) => `${label(names)}: ${text}`).join('; ');
}

/** What a parameter means to each kind that takes it. */
export function paramHelp(p: Param): string {
  return grouped((k) => (k.params as Partial<Record<Param, { help: string }>>)[p]?.help);
}

/** The <target> argument's help. */
export function targetHelp(): string {
  return grouped((k) => k.target);
}

export interface FaultOption {
  param: Param;
  /** commander's flags: `--latency <duration>`, `--one-way`. */
  flags: string;
  help: string;
}

export function faultOptions(): FaultOption[] {
  return PARAM_NAMES.map((p) => {
    const d: { cli: string; arg?: string } = PARAMS[p];
    const arg = d.cli === 'flag' ? '' : ` <${d.arg ?? d.cli}>`;
    return { param: p, flags: `--${flagOf(p)}${arg}`, help: paramHelp(p) };
  });
}

/** The README's table of kinds: one row per kind. */
export function faultTable(): string {
  const md = (s: string) => s.replace(/\|/g, '\\|');
  const rows = KINDS.map((k) => {
    const target = k.target
      .split(/, | or /)
      .map((t) => (t.includes(' ') ? t : `\`${md(t)}\``))
      .join(', ');
    const options = Object.entries(k.params)
      .map(([p, use]) => {
        const d: { cli: string; example?: string } = PARAMS[p as Param];
        const flag = `--${flagOf(p as Param)}${d.cli === 'flag' ? '' : ` ${d.example}`}`;
        return use.required ? `\`${flag}\`` : `\`[${flag}]\``;
      })
      .join(' ');
    return `| \`${k.name}\` | ${target} | ${options} | ${md(k.does)} | ${md(k.inverse)} |`;
  });
  return ['| kind | target | options | what happens | undone by |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
