import { DAY_MS, fail, isoDate, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.3 (a)(2): "The certificate validity period includes the current time." A notBefore in the
 * future fails validation just like an expired certificate.
 */
export const certNotYetValid: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'cert_not_yet_valid',
    title: 'The certificate is not valid yet',
    citation: 'RFC 5280 §4.1.2.5 and §6.1.3 (a)(2)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const { notBefore } = leaf.value;
    const earlyMs = Date.parse(notBefore) - ctx.now.getTime();
    if (!(earlyMs > 0)) return pass;
    const inSeconds = Math.ceil(earlyMs / 1000);
    const inDays = Math.floor(earlyMs / DAY_MS);
    return fail({
      code: 'cert_not_yet_valid',
      severity: 'critical',
      certIndex: 0,
      summary: `The certificate becomes valid only at ${notBefore} (in ${inDays >= 1 ? `${inDays} days` : `${inSeconds} s`}); expected a notBefore at or before ${ctx.now.toISOString()}.`,
      params: { notBefore, now: ctx.now.toISOString(), inSeconds, inDays },
      causes: [
        "the checking machine's clock is wrong (set in the past)",
        "the server's certificate was issued with a future start date (some CAs backdate, some post-date) and deployed early",
        `clients with a clock behind ${isoDate(notBefore)} will reject it too`,
      ],
    });
  },
};
