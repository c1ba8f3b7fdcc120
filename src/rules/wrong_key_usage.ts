import type { CertInfo, Purpose } from '../probe/types.js';
import { certName, fail, judgedCerts, leafInput, pass } from './lib/inputs.js';
import { neededBit } from './lib/key-exchange.js';
import type { Rule, RuleContext, RuleFinding, Severity } from './types.js';

/**
 * RFC 5280 §4.2.1.12: "If the extension is present, then the certificate MUST only be used for one of the
 * purposes indicated." An intermediate's EKU constrains the leaves below it (CA/B BR §7.1.2.2 (g), enforced
 * by Chrome and Windows). RFC 8446 §4.4.2.2 / RFC 5246 §7.4.2: digitalSignature matters only when the key
 * signs the handshake (TLS 1.3, (EC)DHE key exchange); RSA key transport needs keyEncipherment instead.
 */
const EKU: Record<Purpose, string | null> = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2', any: null };
const ANY_EKU = '2.5.29.37.0';

function ekuAllows(cert: CertInfo, purpose: Purpose): boolean {
  const want = EKU[purpose];
  return want === null || cert.extKeyUsage === null || cert.extKeyUsage.some((o) => o === want || o === ANY_EKU);
}

function finding(
  cert: CertInfo,
  index: number,
  check: string,
  observed: string,
  expected: string,
  severity: Severity = 'critical',
): RuleFinding<'wrong_key_usage'> {
  return {
    code: 'wrong_key_usage',
    severity,
    certIndex: index,
    summary: `\`${certName(cert)}\` (#${index}) has ${observed}; expected ${expected}.`,
    params: { check, observed, expected, subject: cert.subject },
    causes: [
      'the certificate was issued from a client-auth, S/MIME or code-signing profile instead of a TLS server profile',
      'a hand-made certificate or private CA template sets keyUsage/extendedKeyUsage wrongly',
    ],
  };
}

export const wrongKeyUsage: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'wrong_key_usage',
    title: 'The key usage or extended key usage does not allow the purpose (TLS server authentication)',
    citation: 'RFC 5280 §4.2.1.3 and §4.2.1.12; RFC 8446 §4.4.2.2; CA/B Forum BR §7.1.2.2 (g)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const cert = leaf.value;
    const purpose = ctx.report.options.purpose ?? 'server';
    if (!ekuAllows(cert, purpose)) {
      const eku = (cert.extKeyUsage ?? []).join(', ');
      return fail(finding(cert, 0, 'leaf_eku', `extendedKeyUsage ${eku}`, `${purpose}Auth (${EKU[purpose]})`));
    }
    const ku = cert.keyUsage;
    const bit = neededBit(ctx);
    if (ku !== null && purpose !== 'any' && !ku.includes(bit ?? 'digitalSignature')) {
      const ecNote =
        cert.key.algorithm === 'EC' && ku.includes('keyEncipherment') ? ' (meaningless for an EC key)' : '';
      const observed = `keyUsage ${ku.join(', ') || '(empty)'}${ecNote}`;
      // without a handshake the key exchange is unknown: clients that sign with the key will refuse it
      const expected = bit
        ? `${bit} in keyUsage for the negotiated key exchange`
        : 'digitalSignature in keyUsage (needed by TLS 1.3 and ECDHE key exchange)';
      return fail(finding(cert, 0, 'leaf_ku', observed, expected, bit ? 'critical' : 'warning'));
    }
    return intermediateEku(ctx, purpose);
  },
};

/** The path builder's record when there is one (anchors included when their constraints count), else the chain. */
function intermediateEku(ctx: RuleContext, purpose: Purpose) {
  const chain = ctx.primary?.chain;
  const problem =
    chain?.status === 'completed' ? chain.result.problems?.find((p) => p.code === 'wrong_key_usage') : undefined;
  if (chain?.status === 'completed' && chain.result.problems !== undefined) {
    const ca = problem ? chain.result.built[problem.certIndex] : undefined;
    if (!problem || !ca) return pass;
    return fail(
      finding(
        ca,
        problem.certIndex,
        'intermediate_eku',
        `extendedKeyUsage ${(ca.extKeyUsage ?? []).join(', ')}`,
        `${purpose}Auth allowed`,
      ),
    );
  }
  const certs = judgedCerts(ctx);
  if (!certs.ok) return pass;
  const ca = certs.value.find((c) => c.index > 0 && !ekuAllows(c.cert, purpose));
  if (!ca) return pass;
  const caEku = (ca.cert.extKeyUsage ?? []).join(', ');
  return fail(finding(ca.cert, ca.index, 'intermediate_eku', `extendedKeyUsage ${caEku}`, `${purpose}Auth allowed`));
}
