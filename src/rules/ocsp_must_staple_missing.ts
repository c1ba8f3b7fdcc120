import { fail, leafInput, notEvaluated, pass, primaryHandshake } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 7633 §4.2.3.1: a client that sees the TLS Feature status_request in the certificate and gets no
 * stapled OCSP response "MUST" treat the handshake as failed; Firefox does
 * (MOZILLA_PKIX_ERROR_REQUIRED_TLS_FEATURE_MISSING). Judged on the handshake with SNI, which asked for one.
 */
export const ocspMustStapleMissing: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'ocsp_must_staple_missing',
    title: 'A Must-Staple certificate is served without an OCSP staple',
    citation: 'RFC 7633 §4.2.3.1; RFC 6066 §8',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    if (!leaf.value.mustStaple) return pass;
    const hs = primaryHandshake(ctx);
    if (!hs.ok) return hs.outcome;
    if (ctx.primary?.handshake.status !== 'completed') return notEvaluated('the handshake did not complete').outcome;
    if (hs.value.ocspStaple !== null) return pass;
    return fail({
      code: 'ocsp_must_staple_missing',
      severity: 'critical',
      certIndex: 0,
      summary: `The certificate carries the TLS Feature status_request (Must-Staple) but the server stapled no OCSP response (asked for one over ${hs.value.protocol ?? 'TLS'}); expected a stapled, current OCSP response.`,
      params: { protocol: hs.value.protocol, ocspUrl: leaf.value.aia.ocsp[0] ?? null },
      causes: [
        'OCSP stapling is not turned on in the server (nginx ssl_stapling, Apache SSLUseStapling, HAProxy ocsp-update)',
        'the server cannot reach the OCSP responder to fetch a staple (outbound firewall, no resolver configured)',
        'the server fetches staples lazily and this was one of the first handshakes after a reload',
        'the CA has shut OCSP down, so no staple can be had: reissue without Must-Staple',
      ],
    });
  },
};
