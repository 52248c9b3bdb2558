/** What every suite returns, and how `npm run bench` prints it. */
export interface SuiteResult {
  suite: string;
  /** What was measured, in a sentence. */
  what: string;
  /** The figures, flat, for JSON. */
  figures: Record<string, number | string | boolean | null>;
  /** Human lines: each figure with its peer ratio and its target. */
  lines: string[];
}

export function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'MISSES target';
}

export const r2 = (x: number): number => Math.round(x * 100) / 100;
