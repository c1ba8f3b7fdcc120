/**
 * One certificate's revocation verdict from the sources that answered. Kept apart from the CRL/OCSP parsing
 * (check.ts: asn1js and the @peculiar schemas) so a path whose certificates name no CRL or OCSP URL is judged
 * without loading them (index.ts).
 */
import type { CertInfo, CertRevocation, RevocationSource } from '../types.js';

/** Revoked wins (any verified source), then good, then unknown; nothing verified: unchecked. */
export function summarise(info: CertInfo, index: number, sources: RevocationSource[]): CertRevocation {
  const revoked = sources.find((s) => s.outcome === 'revoked');
  const status = revoked
    ? 'revoked'
    : sources.some((s) => s.outcome === 'good')
      ? 'good'
      : sources.some((s) => s.outcome === 'unknown')
        ? 'unknown'
        : 'unchecked';
  return {
    certIndex: index,
    sha256: info.sha256,
    status,
    revokedAt: revoked?.revokedAt ?? null,
    reason: revoked?.reason ?? null,
    revokedBy: revoked?.kind ?? null,
    noPointers:
      info.crlDistributionPoints.length === 0 &&
      info.aia.ocsp.length === 0 &&
      !sources.some((s) => s.kind === 'staple'),
    sources,
  };
}
