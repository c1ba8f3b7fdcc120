import { certName, chainInput, fail, isoDate, pass } from './lib/inputs.js';
import { where } from './lib/problems.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.3 (a)(2): "The certificate validity period includes the current time", for every
 * certificate on the path: a not-yet-valid intermediate breaks the chain as surely as an expired one.
 * Trust anchors count only when the anchor policy enforces their validity (chain-checks.ts).
 */
export const chainCertNotYetValid: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'chain_cert_not_yet_valid',
    title: 'An intermediate certificate on the path is not valid yet',
    citation: 'RFC 5280 §6.1.3 (a)(2)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const { built, sources, anchorPolicy } = chain.value;
    const now = ctx.now.getTime();
    const judged = (i: number) => i > 0 && (sources[i] !== 'trust_store' || anchorPolicy?.expiry === true);
    const index = built.findIndex((c, i) => judged(i) && Date.parse(c.notBefore) > now);
    if (index < 0) return pass;
    const cert = built[index]!;
    return fail({
      code: 'chain_cert_not_yet_valid',
      severity: 'critical',
      certIndex: index,
      summary: `Chain certificate \`${certName(cert)}\` (${where(chain.value, index)}) is valid only from ${isoDate(cert.notBefore)}; expected every certificate on the path to be valid on ${isoDate(ctx.now.toISOString())}.`,
      params: { subject: cert.subject, notBefore: cert.notBefore, now: ctx.now.toISOString(), builtIndex: index },
      causes: [
        "the checking machine's clock is wrong (set in the past)",
        'a freshly issued intermediate was deployed before its validity start (CA backdating or time-zone error)',
      ],
    });
  },
};
