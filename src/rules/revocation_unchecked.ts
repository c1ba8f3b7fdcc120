import { fail, pass } from './lib/inputs.js';
import { certLabel, describeSource, revocationInput } from './lib/revocation.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.3 and RFC 6960 §2.2 give the status "undetermined" / "unknown" when no CRL or responder gave
 * a verified answer. Clients soft-fail on that (browsers do), so this is information, never a verdict: an
 * unreachable responder must not make a check critical (check_ssl_cert#190, #320, #376, #431).
 */
export const revocationUnchecked: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'revocation_unchecked',
    title: 'Revocation could not be checked',
    citation: 'RFC 5280 §6.3.3 (undetermined status); RFC 6960 §2.2 (unknown)',
    severity: 'info',
  },
  applies: () => true,
  evaluate(ctx) {
    const rev = revocationInput(ctx);
    if (!rev.ok) return rev.outcome;
    const hit = rev.value.certs.find((c) => c.status === 'unchecked' || c.status === 'unknown');
    if (!hit) return pass;
    const tried = hit.sources.map(
      (s) => `${describeSource(s)}: ${s.outcome === 'unknown' ? 'answered "unknown"' : (s.error ?? s.outcome)}`,
    );
    const why = hit.noPointers
      ? 'it names no CRL distribution point and no OCSP responder'
      : tried.length > 0
        ? tried.join('; ')
        : (rev.value.notes[0] ?? 'no source could be asked');
    return fail({
      code: 'revocation_unchecked',
      severity: 'info',
      certIndex: hit.certIndex,
      summary: `The revocation status of ${certLabel(ctx, hit)} is ${hit.status === 'unknown' ? 'unknown to its CA' : 'undetermined'} (${why}); expected a verified CRL or OCSP answer.`,
      params: {
        noPointers: hit.noPointers,
        status: hit.status,
        sources: hit.sources.map((s) => `${s.kind}:${s.outcome}`).join(', '),
        ocspUrl: hit.sources.find((s) => s.kind === 'ocsp')?.url ?? null,
        crlUrl: hit.sources.find((s) => s.kind === 'crl')?.url ?? null,
        builtIndex: hit.certIndex,
      },
      causes: hit.noPointers
        ? ['a private CA that publishes no CRL or OCSP (revocation is then only by replacing trust)']
        : [
            'the CRL or OCSP server is unreachable from where this check runs (firewall, proxy, address policy)',
            'the CA has shut its OCSP responder down or serves an invalid CRL',
            'the responder does not know the certificate ("unknown"): it may not be from this CA',
          ],
    });
  },
};
