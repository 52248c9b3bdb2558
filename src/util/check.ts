/**
 * Argument checks, done once at the TypeScript edge (the native side trusts what it gets).
 * Messages read "Expected <what> for <name> but received <value>".
 */
import { SarwatchError } from '../errors.js';

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Object.prototype.toString.call(v);
}

export function invalid(name: string, what: string, value: unknown): SarwatchError {
  return new SarwatchError('E_ARG', `Expected ${what} for ${name} but received ${show(value)}`, { param: name });
}

export function integer(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(name, `an integer`, v);
  if (n < min || n > max) {
    throw new SarwatchError('E_ARG_RANGE', `Expected an integer between ${min} and ${max} for ${name} but received ${n}`, {
      param: name,
    });
  }
  return n;
}

export function number(name: string, v: unknown, min: number, max: number): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw invalid(name, `a number`, v);
  if (n < min || n > max) {
    throw new SarwatchError('E_ARG_RANGE', `Expected a number between ${min} and ${max} for ${name} but received ${n}`, {
      param: name,
    });
  }
  return n;
}

export function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw invalid(name, `one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}

/** Rejects misspelled option names instead of silently ignoring them (better-sqlite3's lesson). */
export function knownKeys(name: string, obj: object, allowed: readonly string[]): void {
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k) && (obj as Record<string, unknown>)[k] !== undefined);
  if (unknown.length) {
    throw new SarwatchError('E_ARG_UNKNOWN', `Unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for ${name}`, {
      param: unknown[0],
    });
  }
}

/** "WxH" → [w, h] */
export function size2(name: string, v: unknown, max: number): [number, number] {
  const m = typeof v === 'string' ? /^(\d+)x(\d+)$/i.exec(v.trim()) : null;
  if (!m) throw invalid(name, 'a size like 4000x4000', v);
  return [integer(`${name} width`, Number(m[1]), 1, max), integer(`${name} height`, Number(m[2]), 1, max)];
}
