import type { CertInfo } from '../probe/types.js';
import { certName, fail, judgedCerts, leafInput, pass } from './lib/inputs.js';
import type { Rule, RuleFinding } from './types.js';

/**
 * RFC 5280 §4.2.1.12: "If the extension is present, then the certificate MUST only be used for one of the
 * purposes indicated." RFC 8446 §4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage extension is
 * present". An intermediate's EKU constrains the leaves below it (CA/B BR §7.1.2.2 (g), enforced by browsers).
 */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const ANY_EKU = '2.5.29.37.0';

function ekuAllowsServer(cert: CertInfo): boolean {
  return cert.extKeyUsage === null || cert.extKeyUsage.some((o) => o === SERVER_AUTH || o === ANY_EKU);
}

function finding(
  cert: CertInfo,
  index: number,
  check: string,
  observed: string,
  expected: string,
): RuleFinding<'wrong_key_usage'> {
  return {
    code: 'wrong_key_usage',
    severity: 'critical',
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
    title: 'The key usage or extended key usage does not allow TLS server authentication',
    citation: 'RFC 5280 §4.2.1.3 and §4.2.1.12; RFC 8446 §4.4.2.2; CA/B Forum BR §7.1.2.2 (g)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const cert = leaf.value;
    const eku = cert.extKeyUsage ?? [];
    if (!ekuAllowsServer(cert)) {
      return fail(finding(cert, 0, 'leaf_eku', `extendedKeyUsage ${eku.join(', ')}`, 'serverAuth (1.3.6.1.5.5.7.3.1)'));
    }
    const ku = cert.keyUsage;
    if (ku !== null && !ku.includes('digitalSignature')) {
      const ecNote =
        cert.key.algorithm === 'EC' && ku.includes('keyEncipherment') ? ' (meaningless for an EC key)' : '';
      const observed = `keyUsage ${ku.join(', ') || '(empty)'}${ecNote}`;
      return fail(finding(cert, 0, 'leaf_ku', observed, 'digitalSignature in keyUsage'));
    }
    const certs = judgedCerts(ctx);
    if (!certs.ok) return pass;
    const ca = certs.value.find((c) => c.index > 0 && !ekuAllowsServer(c.cert));
    if (!ca) return pass;
    const caEku = ca.cert.extKeyUsage ?? [];
    return fail(
      finding(ca.cert, ca.index, 'intermediate_eku', `extendedKeyUsage ${caEku.join(', ')}`, 'serverAuth allowed'),
    );
  },
};
