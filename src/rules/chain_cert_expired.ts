import type { CertInfo } from '../probe/types.js';
import { certName, chainInput, fail, isCert, isoDate, pass, primaryHandshake } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.3 (a)(2): every certificate on the path must satisfy "The certificate validity period
 * includes the current time." Only certificates the server sent are judged: an expired root in the client's
 * store is ignored by clients that find another path, and the leaf is cert_expired's business.
 * `onlyPath`: the path builder tries trust anchors before sent certificates, so an expired certificate on a
 * trusted built path had no trusted way around it, unless the server also sent a valid certificate of the
 * same name (a renewed intermediate) that the path did not use; unknown (null) when the path is untrusted.
 */
export const chainCertExpired: Rule = {
  scope: 'endpoint',
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
    const { built, sources, anchorPolicy } = chain.value;
    const now = ctx.now.getTime();
    // every certificate on the path (issue 9), anchors only when their validity is enforced
    const judged = (i: number) => i > 0 && (sources[i] !== 'trust_store' || anchorPolicy?.expiry === true);
    const index = built.findIndex((c, i) => judged(i) && Date.parse(c.notAfter) < now);
    if (index < 0) return pass;
    const cert = built[index]!;
    return fail({
      code: 'chain_cert_expired',
      severity: 'critical',
      certIndex: index,
      summary: `Chain certificate #${index} \`${certName(cert)}\` expired on ${isoDate(cert.notAfter)}; expected every certificate the server sends to be valid on ${isoDate(ctx.now.toISOString())}.`,
      params: {
        subject: cert.subject,
        notAfter: cert.notAfter,
        now: ctx.now.toISOString(),
        builtIndex: index,
        onlyPath: chain.value.trusted ? !renewedSent(ctx, chain.value.unusedSent, cert, now) : null,
      },
      causes: [
        'the server still sends an old intermediate: the CA rotated it but the chain file was not updated',
        'the chain file bundles an expired cross-signed certificate (as with AddTrust in 2020 or DST Root CA X3 in 2021)',
        "the checking machine's clock is wrong (set in the future)",
      ],
    });
  },
};

/** A sent certificate the path did not use, with the expired one's name, valid now. */
function renewedSent(ctx: Parameters<Rule['evaluate']>[0], unused: number[], expired: CertInfo, now: number): boolean {
  const hs = primaryHandshake(ctx);
  if (!hs.ok) return false;
  return unused
    .map((i) => hs.value.sentChain[i])
    .some(
      (c) =>
        isCert(c) && c.subject === expired.subject && Date.parse(c.notBefore) <= now && Date.parse(c.notAfter) >= now,
    );
}
