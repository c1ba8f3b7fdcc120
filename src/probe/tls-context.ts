/**
 * Client SecureContexts, one per (versions, ciphers) combination, made once and shared. tls.connect builds a
 * new context per call otherwise (about 0.3 ms of CPU each, measured in the Slack bench profile), and a
 * check makes half a dozen handshakes. The context holds no per-connection state: SNI, ALPN, OCSP requests
 * and keylog stay on each socket, and client sessions are never resumed (no `session` is passed).
 *
 * No CA certificates: every probe connects with rejectUnauthorized false and the chain is verified by our
 * own trust store (trust.ts, chain-build.ts), so OpenSSL's store is never consulted. Without `ca`, Node
 * builds its whole root store on the first context (~30 ms of a CLI check's start-up, unless
 * NODE_EXTRA_CA_CERTS already made it at process start); an empty list builds none.
 */
import tls, { type SecureVersion } from 'node:tls';

export interface ContextOptions {
  minVersion?: SecureVersion | undefined;
  maxVersion?: SecureVersion | undefined;
  ciphers?: string | undefined;
}

/** TLS 1.0/1.1 and weak ciphers need OpenSSL security level 0 to be offered at all (RFC 8996 deprecates them;
 * a probe still asks, so a legacy server shows what it sends) */
export const LEGACY_CIPHERS = 'DEFAULT:@SECLEVEL=0';

const contexts = new Map<string, tls.SecureContext>();

export function clientContext(opts: ContextOptions = {}): tls.SecureContext {
  const key = `${opts.minVersion ?? ''}|${opts.maxVersion ?? ''}|${opts.ciphers ?? ''}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({
      ca: [],
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
    });
    contexts.set(key, ctx);
  }
  return ctx;
}
