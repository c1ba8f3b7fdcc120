import { DAY_MS, fail, isoDate, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * CA/B Forum BR §6.3.2: "Subscriber Certificates issued on or after 1 September 2020 SHOULD NOT have a
 * Validity Period greater than 397 days and MUST NOT have a Validity Period greater than 398 days." The
 * Validity Period runs "from notBefore through notAfter, inclusive" (RFC 5280 §4.1.2.5), hence +1 s.
 * Chrome and Safari reject such certificates from publicly trusted CAs (Chrome root policy, Apple HT211025);
 * locally added roots are exempt, so a private CA's certificate is only a warning.
 */
const EFFECTIVE_FROM = Date.parse('2020-09-01T00:00:00Z');
const MAX_DAYS = 398;

export const validityTooLong: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'validity_too_long',
    title: 'The certificate is valid for longer than 398 days',
    citation: 'CA/B Forum BR §6.3.2; Apple HT211025; Chrome Root Program policy',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const notBefore = Date.parse(leaf.value.notBefore);
    const periodMs = Date.parse(leaf.value.notAfter) - notBefore + 1000;
    if (notBefore < EFFECTIVE_FROM || !(periodMs > MAX_DAYS * DAY_MS)) return pass;
    const chain = ctx.primary?.chain;
    const publicRoot = chain?.status === 'completed' && chain.result.trusted && chain.result.anchorStore !== 'custom';
    const days = Math.round((periodMs / DAY_MS) * 100) / 100;
    return fail({
      code: 'validity_too_long',
      severity: publicRoot ? 'critical' : 'warning',
      certIndex: 0,
      summary: `The certificate issued ${isoDate(leaf.value.notBefore)} is valid for ${days} days; expected at most ${MAX_DAYS} days for certificates issued on or after 2020-09-01.`,
      params: {
        notBefore: leaf.value.notBefore,
        notAfter: leaf.value.notAfter,
        validityDays: days,
        maxDays: MAX_DAYS,
        publiclyTrusted: publicRoot,
      },
      causes: [
        'the certificate comes from a private CA or a self-made certificate with a multi-year lifetime',
        'the CA issued it outside the Baseline Requirements (mis-issuance)',
      ],
    });
  },
};
