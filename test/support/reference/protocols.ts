import type { SecureVersion } from 'node:tls';
import { handshake } from '../../../src/probe/tls.js';
import type { Attempt, ProtocolSupport, TargetProtocol, TlsVersion } from '../../../src/probe/types.js';

export interface ScanOptions {
  /** an IP address already checked by the address policy */
  address: string;
  port: number;
  servername: string | null;
  /** bounds each version's handshake; they run concurrently, so also the whole scan */
  timeoutMs: number;
  signal?: AbortSignal;
  /** the target's protocol: each handshake speaks its STARTTLS upgrade first */
  starttls?: TargetProtocol;
}

const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** TLS 1.0/1.1 need OpenSSL security level 0 on our side (RFC 8996 deprecates them; we still ask). */
const LEGACY = new Set<TlsVersion>(['TLSv1', 'TLSv1.1']);

/**
 * Which protocol versions complete a handshake, each tried alone (min = max). A server that answers with
 * an alert or a version we did not offer refuses that version (false); a transport failure is an error,
 * since it says nothing about the version. A server that negotiated the version and then refused us for
 * want of a client certificate supports it: the handshake reports that as completed (see tls.ts).
 */
export async function scanProtocols(opts: ScanOptions): Promise<Attempt<ProtocolSupport>> {
  const attempts = await Promise.all(VERSIONS.map((version) => tryVersion(opts, version)));
  const result = Object.fromEntries(VERSIONS.map((v, i) => [v, attempts[i]!])) as ProtocolSupport;
  return { status: 'completed', result };
}

async function tryVersion(opts: ScanOptions, version: TlsVersion): Promise<Attempt<boolean>> {
  const outcome = await handshake({
    address: opts.address,
    port: opts.port,
    servername: opts.servername,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    minVersion: version as SecureVersion,
    maxVersion: version as SecureVersion,
    legacy: LEGACY.has(version),
    chain: false,
    starttls: opts.starttls,
  });
  if (outcome.status === 'completed') return { status: 'completed', result: outcome.result.protocol === version };
  if (outcome.status === 'skipped') return outcome;
  if (outcome.code === 'handshake_failed') return { status: 'completed', result: false };
  return { status: 'error', code: outcome.code, error: outcome.error };
}
