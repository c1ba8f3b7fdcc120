import { fail, pass } from './lib/inputs.js';
import { describeSource, isAnswer, revocationInput } from './lib/revocation.js';
import type { Rule } from './types.js';

/**
 * RFC 6960 §3.2: a client accepts a response only when it names the certificate, is signed by the issuer or
 * an authorised responder (§4.2.2.2, id-kp-OCSPSigning), and thisUpdate/nextUpdate are current; RFC 6066 §8
 * makes the stapled response subject to the same checks. A staple that contradicts the CA's verified CRL or
 * OCSP answer is a stale cache on the server (ssllabs-scan#142: "good" stapled on a revoked certificate).
 * Critical for a Must-Staple certificate (RFC 7633: a bad staple is no staple), else a warning.
 */
export const ocspStapleInvalid: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'ocsp_staple_invalid',
    title: 'The stapled OCSP response is invalid or contradicts the CA',
    citation: 'RFC 6960 §3.2 and §4.2.2.2; RFC 6066 §8; RFC 7633 §4.2.3.1',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const rev = revocationInput(ctx);
    if (!rev.ok) return rev.outcome;
    const leaf = rev.value.certs.find((c) => c.certIndex === 0);
    const staple = leaf?.sources.find((s) => s.kind === 'staple');
    if (!leaf || !staple) return pass;
    const other = leaf.sources.find((s) => s.kind !== 'staple' && isAnswer(s) && s.outcome !== staple.outcome);
    const contradicted = staple.outcome !== 'invalid' && other !== undefined && staple.outcome !== 'unknown';
    if (staple.outcome !== 'invalid' && !contradicted) return pass;
    const severity = rev.value.mustStaple ? 'critical' : 'warning';
    const problem = contradicted ? 'disagrees' : (staple.problem ?? 'malformed');
    const observed = contradicted
      ? `says "${staple.outcome}" (thisUpdate ${staple.thisUpdate ?? 'unknown'}) while ${describeSource(other!)} says "${other!.outcome}"`
      : `was rejected: ${staple.error ?? problem}`;
    return fail({
      code: 'ocsp_staple_invalid',
      severity,
      certIndex: 0,
      summary: `The stapled OCSP response ${observed}; expected a current response for this certificate, signed by its issuer or a delegated OCSP responder, agreeing with the CA.`,
      params: {
        problem,
        stapleStatus: staple.outcome,
        otherSource: other?.kind ?? null,
        otherStatus: other?.outcome ?? null,
        thisUpdate: staple.thisUpdate,
        nextUpdate: staple.nextUpdate,
        mustStaple: rev.value.mustStaple,
      },
      causes: CAUSES[problem] ?? CAUSES.malformed!,
    });
  },
};

const CAUSES: Record<string, string[]> = {
  stale: [
    'the server keeps stapling a cached response after its nextUpdate: its refresh fails (responder unreachable from the server)',
    "the checking machine's clock is wrong",
  ],
  not_yet_valid: ["the checking machine's clock is behind (or the responder's clock is ahead)"],
  wrong_cert: [
    'the server staples the response of another certificate (an old one after a renewal, or another virtual host)',
  ],
  wrong_signer: [
    'the staple is signed by a responder the issuer did not delegate (missing id-kp-OCSPSigning, or another CA)',
    'the server was given the wrong issuer certificate to verify staples against (ssl_trusted_certificate)',
  ],
  bad_signature: ['the stapled response was corrupted or forged: its signature does not verify'],
  disagrees: [
    'the server staples an old cached response: the certificate was revoked (or un-held) since it was fetched',
    "the CA's CRL and OCSP responder disagree (a CA-side fault)",
  ],
  not_successful: ['the server staples an error answer from the responder (tryLater, unauthorized) instead of none'],
  malformed: ['the server staples bytes that are not an OCSP response (a misconfigured staple file)'],
  unsupported: ['the response is signed with an algorithm this tool cannot check'],
};
