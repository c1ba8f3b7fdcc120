import { certName, chainInput, fail, isoDate, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.3 (a)(2): every certificate on the path must satisfy "The certificate validity period
 * includes the current time." Only certificates the server sent are judged: an expired root in the client's
 * store is ignored by clients that find another path, and the leaf is cert_expired's business.
 */
export const chainCertExpired: Rule = {
  meta: {
    code: 'chain_cert_expired',
    title: 'An intermediate certificate the server sends has expired',
    citation: 'RFC 5280 §6.1.3 (a)(2)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const { built, sources } = chain.value;
    const now = ctx.now.getTime();
    const index = built.findIndex((c, i) => i > 0 && sources[i] === 'sent' && Date.parse(c.notAfter) < now);
    if (index < 0) return pass;
    const cert = built[index]!;
    return fail({
      code: 'chain_cert_expired',
      severity: 'critical',
      certIndex: index,
      summary: `Chain certificate #${index} \`${certName(cert)}\` expired on ${isoDate(cert.notAfter)}; expected every certificate the server sends to be valid on ${isoDate(ctx.now.toISOString())}.`,
      params: { subject: cert.subject, notAfter: cert.notAfter, now: ctx.now.toISOString(), builtIndex: index },
      causes: [
        'the server still sends an old intermediate: the CA rotated it but the chain file was not updated',
        'the chain file bundles an expired cross-signed certificate (as with AddTrust in 2020 or DST Root CA X3 in 2021)',
        "the checking machine's clock is wrong (set in the future)",
      ],
    });
  },
};
