import { DAY_MS, fail, isoDate, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §4.1.2.5: "The validity period for a certificate is the period of time from notBefore through
 * notAfter, inclusive." §6.1.3 (a)(2): "The certificate validity period includes the current time." So the
 * leaf is expired only once `now` is strictly after notAfter.
 */
export const certExpired: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'cert_expired',
    title: 'The certificate has expired',
    citation: 'RFC 5280 §4.1.2.5 and §6.1.3 (a)(2)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const { notAfter, subjectCN } = leaf.value;
    const overdueMs = ctx.now.getTime() - Date.parse(notAfter);
    if (!(overdueMs > 0)) return pass;
    const daysAgo = Math.floor(overdueMs / DAY_MS);
    return fail({
      code: 'cert_expired',
      severity: 'critical',
      certIndex: 0,
      summary: `The certificate${subjectCN ? ` for \`${subjectCN}\`` : ''} expired ${daysAgo} days ago (notAfter ${isoDate(notAfter)}); expected a notAfter after ${isoDate(ctx.now.toISOString())}.`,
      params: { notAfter, now: ctx.now.toISOString(), daysAgo },
      causes: [
        'the certificate was not renewed (automatic renewal such as certbot or cert-manager is failing)',
        'a renewed certificate exists but the server still serves the old one (not reloaded, or configured with an old file path)',
        'another server behind the same name (a load balancer pool member, a CDN) still has the old certificate',
        "the checking machine's clock is wrong (set in the future)",
      ],
    });
  },
};
