import type { ProtocolSupport, TlsVersion } from '../../probe/types.js';

export const LEGACY: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1'];
export const MODERN: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];

/** Whether a version is supported: true (handshake completed), false (the server refused it), null (unknown). */
export function support(scan: ProtocolSupport, v: TlsVersion): boolean | null {
  const a = scan[v];
  if (a.status === 'completed') return a.result;
  if (a.status === 'error' && (a.code === 'handshake_failed' || a.code === 'connection_reset')) return false;
  return null;
}

export function supported(scan: ProtocolSupport, versions: readonly TlsVersion[]): TlsVersion[] {
  return versions.filter((v) => support(scan, v) === true);
}

/** TLSv1 → "TLS 1.0" for summaries. */
export function versionLabel(v: TlsVersion): string {
  return v === 'TLSv1' ? 'TLS 1.0' : v.replace('TLSv', 'TLS ');
}
