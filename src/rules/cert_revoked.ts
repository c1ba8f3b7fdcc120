import { fail, isoDate, pass } from './lib/inputs.js';
import { certLabel, describeSource, revocationInput } from './lib/revocation.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.3.3 (CRL) and RFC 6960 §2.2 (OCSP "revoked"): a certificate a verified CRL lists or a verified
 * OCSP response calls revoked must not be accepted. Only answers that passed verification count (issuer,
 * signature, freshness, certID): an unverifiable "revoked" is ocsp_staple_invalid or revocation_unchecked.
 */
export const certRevoked: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'cert_revoked',
    title: 'A certificate on the chain is revoked',
    citation: 'RFC 5280 §5.3.1 and §6.3.3; RFC 6960 §2.2',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const rev = revocationInput(ctx);
    if (!rev.ok) return rev.outcome;
    const hit = rev.value.certs.find((c) => c.status === 'revoked');
    if (!hit) return pass;
    const source = hit.sources.find((s) => s.outcome === 'revoked')!;
    const others = hit.sources.filter((s) => s !== source && s.outcome === 'revoked').map(describeSource);
    const since = hit.revokedAt ? ` since ${isoDate(hit.revokedAt)}` : '';
    const reason = hit.reason ? ` (reason: ${hit.reason})` : ' (no reason given)';
    return fail({
      code: 'cert_revoked',
      severity: 'critical',
      certIndex: hit.certIndex,
      summary: `${certLabel(ctx, hit)} is revoked${since}${reason}: ${describeSource(source)} says so${others.length ? `, and ${others.join(', ')}` : ''}; expected a certificate that is not revoked.`,
      params: {
        reason: hit.reason,
        revokedAt: hit.revokedAt,
        source: source.kind,
        url: source.url,
        sha256: hit.sha256,
        builtIndex: hit.certIndex,
      },
      causes: [
        'the certificate was replaced and the old one revoked, but this server still serves the old one (reload or redeploy it)',
        'the CA revoked it: key compromise reported, mis-issuance, or a domain-validation problem',
        'someone with access to the CA account revoked it (check the account and the reason code)',
      ],
    });
  },
};
