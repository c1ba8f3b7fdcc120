import type { CertInfo, CertRevocation, RevocationReport, RevocationSource } from '../../probe/types.js';
import type { RuleContext } from '../types.js';
import { certName, completed, type Input, notEvaluated, primaryEndpoint } from './inputs.js';

/** The primary endpoint's revocation checks (absent in reports stored before they existed). */
export function revocationInput(ctx: RuleContext): Input<RevocationReport> {
  const ep = primaryEndpoint(ctx);
  if (!ep.ok) return ep;
  const rev = ep.value.revocation;
  if (rev === undefined) return notEvaluated('this report predates revocation checks');
  return completed(`revocation checks for ${ep.value.address}`, rev);
}

/** The built-path certificate a CertRevocation is about. */
export function revokedCert(ctx: RuleContext, c: CertRevocation): CertInfo | null {
  const chain = ctx.primary?.chain;
  return chain?.status === 'completed' ? (chain.result.built[c.certIndex] ?? null) : null;
}

export function certLabel(ctx: RuleContext, c: CertRevocation): string {
  const cert = revokedCert(ctx, c);
  return cert ? `\`${certName(cert)}\`${c.certIndex === 0 ? '' : ` (chain #${c.certIndex})`}` : `chain #${c.certIndex}`;
}

/** "the CRL at http://…", "the OCSP responder at http://…", "the stapled OCSP response", "a CRL file". */
export function describeSource(s: RevocationSource): string {
  if (s.kind === 'staple') return 'the stapled OCSP response';
  if (s.kind === 'crl') return s.url ? `the CRL at ${s.url}` : 'the CRL file';
  return s.url ? `the OCSP responder at ${s.url}` : 'the OCSP response file';
}

/** Verified answers only: a source that failed verification or could not be reached says nothing. */
export const isAnswer = (s: RevocationSource): boolean =>
  s.outcome === 'good' || s.outcome === 'revoked' || s.outcome === 'unknown';
