/** The probing core as chat handlers see it, wired from the configuration. */
import { type CheckOptions, check } from '../check.js';
import type { Config } from '../config.js';
import { inspect } from '../inspect/index.js';
import type { CheckPool } from '../pool/index.js';
import { parseTarget } from '../probe/target.js';
import type { ChatCore } from './port.js';

/**
 * `extraCaPem`: contents of CERT_DOCTOR_CA, read by the caller. `pool`: run checks in worker threads under
 * the hard deadline (the bot); without it, check() runs in this thread (tests that inject a resolver).
 */
export function chatCore(
  config: Pick<Config, 'allow' | 'probeTimeoutMs'>,
  extraCaPem: string[] = [],
  pool?: Pick<CheckPool, 'check'> & Partial<Pick<CheckPool, 'observe' | 'holdForPeople'>>,
): ChatCore {
  const observe = pool?.observe;
  const hold = pool?.holdForPeople;
  return {
    check: pool ? (input, opts) => pool.check(input, opts) : check,
    ...(observe ? { observe: (input: string, opts: CheckOptions) => observe(input, opts) } : {}),
    ...(hold ? { holdChecks: (busy: boolean) => hold(busy) } : {}),
    inspect,
    parseTarget,
    checkDefaults: { allow: config.allow, extraCaPem, timeoutMs: config.probeTimeoutMs },
  };
}
