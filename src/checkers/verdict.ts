/**
 * What a checker says: pass, fail, or unknown (it could not tell, e.g. the final read failed), in
 * one line a person reads first, with the evidence that backs it.
 */
export type Status = 'pass' | 'fail' | 'unknown';

export interface Verdict {
  checker: string;
  status: Status;
  summary: string;
  evidence: Record<string, unknown>;
}

/** The first few of a list, for evidence that stays readable on a long history. */
export function firstOf<T>(xs: T[], n = 10): T[] {
  return xs.slice(0, n);
}
