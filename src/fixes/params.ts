import type { FlatParams } from '../rules/params.js';

/**
 * Typed, forgiving reads of `finding.params`. `T` is the code's entry in rules/params.ts, so a recipe can
 * only name keys its rule emits (a compile error otherwise). At run time values may still be missing or
 * odd (stored reports from older versions, hand-built findings), so every reader returns null (or [])
 * instead of throwing, and callers fall back to generic wording.
 */
export interface Params<T> {
  str(key: keyof T & string): string | null;
  num(key: keyof T & string): number | null;
  bool(key: keyof T & string): boolean | null;
  /** a comma/space separated string (e.g. `names: "a.example, b.example"`) as a list */
  list(key: keyof T & string): string[];
}

export function readParams<T>(raw: FlatParams | undefined | null): Params<T> {
  const get = (key: string) => (raw && Object.hasOwn(raw, key) ? raw[key] : null);
  return {
    str(key) {
      const v = get(key);
      if (typeof v === 'string') return v.trim() === '' ? null : v;
      return typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
    },
    num(key) {
      const v = get(key);
      if (typeof v === 'number') return Number.isFinite(v) ? v : null;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      return null;
    },
    bool(key) {
      const v = get(key);
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      return null;
    },
    list(key) {
      const v = get(key);
      return typeof v === 'string' ? v.split(/[,\s]+/).filter((s) => s !== '') : [];
    },
  };
}
