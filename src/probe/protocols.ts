import { probeVersion } from './client-hello.js';
import { defaultAlpn } from './tls.js';
import type { Attempt, ProtocolSupport, TargetProtocol, TlsVersion } from './types.js';

export interface ScanOptions {
  /** an IP address already checked by the address policy */
  address: string;
  port: number;
  servername: string | null;
  /** bounds each version's probe; they run concurrently, so also the whole scan */
  timeoutMs: number;
  signal?: AbortSignal;
  /** the target's protocol: each probe speaks its STARTTLS upgrade first */
  starttls?: TargetProtocol;
  /** versions already answered or being probed (the main handshake's negotiated version): not probed again */
  known?: Partial<Record<TlsVersion, Attempt<boolean> | Promise<Attempt<boolean>>>>;
}

export const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * Which protocol versions a server accepts, each offered alone (min = max) in a ClientHello that stops at
 * the ServerHello or alert (client-hello.ts). A server that answers with an alert or a version we did not
 * offer refuses that version (false); a transport failure is an error, since it says nothing about the
 * version.
 */
export async function scanProtocols(opts: ScanOptions): Promise<Attempt<ProtocolSupport>> {
  const attempts = await Promise.all(VERSIONS.map((version) => opts.known?.[version] ?? tryVersion(opts, version)));
  const result = Object.fromEntries(VERSIONS.map((v, i) => [v, attempts[i]!])) as ProtocolSupport;
  return { status: 'completed', result };
}

export function tryVersion(opts: ScanOptions, version: TlsVersion): Promise<Attempt<boolean>> {
  return probeVersion({
    address: opts.address,
    port: opts.port,
    servername: opts.servername,
    version,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    starttls: opts.starttls,
    alpn: defaultAlpn(opts.starttls),
  });
}
