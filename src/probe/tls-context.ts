/**
 * Client SecureContexts, one per (versions, ciphers) combination, made once and shared. tls.connect builds a
 * new context per call otherwise (about 0.3 ms of CPU each, measured in the Slack bench profile), and a
 * check makes half a dozen handshakes. The context holds no per-connection state: SNI, ALPN, OCSP requests
 * and keylog stay on each socket, and client sessions are never resumed (no `session` is passed).
 */
import tls, { type SecureVersion } from 'node:tls';

export interface ContextOptions {
  minVersion?: SecureVersion | undefined;
  maxVersion?: SecureVersion | undefined;
  ciphers?: string | undefined;
}

const contexts = new Map<string, tls.SecureContext>();

export function clientContext(opts: ContextOptions = {}): tls.SecureContext {
  const key = `${opts.minVersion ?? ''}|${opts.maxVersion ?? ''}|${opts.ciphers ?? ''}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext({
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
    });
    contexts.set(key, ctx);
  }
  return ctx;
}
