/** The probing core as chat handlers see it, wired from the configuration. */
import { check } from '../check.js';
import type { Config } from '../config.js';
import { inspect } from '../inspect/index.js';
import { parseTarget } from '../probe/target.js';
import type { ChatCore } from './port.js';

/** `extraCaPem`: contents of CERT_DOCTOR_CA, read by the caller. */
export function chatCore(config: Pick<Config, 'allow' | 'probeTimeoutMs'>, extraCaPem: string[] = []): ChatCore {
  return {
    check,
    inspect,
    parseTarget,
    checkDefaults: { allow: config.allow, extraCaPem, timeoutMs: config.probeTimeoutMs },
  };
}
