import type { RuleFinding } from '../rules/types.js';

/**
 * Typed, forgiving reads of `finding.params`. Rules are written in parallel and may omit or rename a value,
 * so every reader returns null (or []) instead of throwing, and callers fall back to generic wording.
 */
export interface Params {
  str(key: string): string | null;
  num(key: string): number | null;
  bool(key: string): boolean | null;
  /** a comma/space separated string (e.g. `sans: "a.example, b.example"`) as a list */
  list(key: string): string[];
}

export function readParams(raw: RuleFinding['params'] | undefined | null): Params {
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
