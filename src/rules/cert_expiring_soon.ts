import { DAY_MS, fail, isoDate, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §4.1.2.5 (validity ends at notAfter, inclusive). Renew well before: CA/B BR §6.3.2 caps
 * subscriber certificates at 398 days and ACME clients renew with 30 days left (RFC 8555 §7.4 issuance is
 * automated precisely so this never becomes an outage). Warning at ≤ expiringWarnDays, critical at ≤
 * expiringCriticalDays, compared on exact milliseconds so the thresholds are inclusive.
 */
export const certExpiringSoon: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'cert_expiring_soon',
    title: 'The certificate expires soon',
    citation: 'RFC 5280 §4.1.2.5; CA/B Forum BR §6.3.2; RFC 8555 §7.4 (automated renewal)',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const { notAfter, notBefore } = leaf.value;
    const leftMs = Date.parse(notAfter) - ctx.now.getTime();
    const { expiringWarnDays, expiringCriticalDays } = ctx.options;
    if (leftMs < 0 || Date.parse(notBefore) > ctx.now.getTime()) return pass;
    if (!(leftMs <= expiringWarnDays * DAY_MS)) return pass;
    const severity = leftMs <= expiringCriticalDays * DAY_MS ? 'critical' : 'warning';
    const daysLeft = Math.floor(leftMs / DAY_MS);
    const threshold = severity === 'critical' ? expiringCriticalDays : expiringWarnDays;
    return fail({
      code: 'cert_expiring_soon',
      severity,
      certIndex: 0,
      summary: `The certificate expires in ${daysLeft} days (notAfter ${isoDate(notAfter)}); expected more than ${threshold} days left.`,
      params: { notAfter, now: ctx.now.toISOString(), daysLeft, thresholdDays: threshold },
      causes: [
        'automatic renewal (certbot, cert-manager, the CA portal) is not set up or is failing',
        'a renewed certificate exists but the server has not been reloaded to serve it',
        "the checking machine's clock is wrong (set in the future)",
      ],
    });
  },
};
