/** The probing core as chat handlers see it, wired from the configuration. */
import { check } from '../check.js';
import type { Config } from '../config.js';
import type { Target } from '../probe/types.js';
import type { ChatCore } from './port.js';

/**
 * TODO(wire): import { parseTarget } from '../probe/target.js' statically once the probe core is on main;
 * the computed specifier keeps this branch compiling before that.
 */
async function loadParseTarget(): Promise<(input: string) => Target> {
  const specifier = '../probe/target.js';
  const mod = (await import(specifier)) as { parseTarget: (input: string) => Target };
  return mod.parseTarget;
}

/** `extraCaPem`: contents of CERT_DOCTOR_CA, read by the caller. */
export async function chatCore(config: Config, extraCaPem: string[]): Promise<ChatCore> {
  return {
    check,
    parseTarget: await loadParseTarget(),
    checkDefaults: { allow: config.allow, extraCaPem, timeoutMs: config.probeTimeoutMs },
  };
}
