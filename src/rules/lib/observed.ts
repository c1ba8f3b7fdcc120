/**
 * What an attempt observed: a completed step's result, or what a failed one had already seen (a handshake
 * that failed after the server's Certificate message still shows the chain as sent). Pure, over report data.
 */
import type { Attempt } from '../../probe/types.js';

export function observed<T>(a: Attempt<T>): T | undefined {
  if (a.status === 'completed') return a.result;
  return a.status === 'error' ? a.partial : undefined;
}
