import type { RuleFinding } from '../types.js';

/**
 * Params that name where a finding was observed rather than what was observed: two addresses that refuse the
 * connection hold the same finding even though their error messages name different addresses.
 */
const WHERE_PARAMS = new Set(['address', 'error']);

/** Same code, certificate and observed values: the same finding, whichever address it was seen on. */
export function findingKey(f: RuleFinding): string {
  const params = Object.keys(f.params)
    .filter((k) => !WHERE_PARAMS.has(k))
    .sort()
    .map((k) => [k, f.params[k]]);
  return JSON.stringify([f.code, f.certIndex, params]);
}
