import { fail, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * CA/B Forum BR §7.1.4.2.1 (subjectAltName): "This extension MUST contain at least one entry." RFC 6125
 * §6.4.4 makes the CN a last resort that clients "MUST NOT" use when a SAN is present, and Chrome 58 (2017),
 * Firefox 48, Go 1.15 and Python 3.7+ with OpenSSL 1.1 stopped reading the CN at all.
 */
export const noSan: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'no_san',
    title: 'The certificate has no subjectAltName',
    citation: 'CA/B Forum BR §7.1.4.2.1; RFC 6125 §6.4.4; Chrome 58 removal of commonName matching',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    if (leaf.value.san !== null) return pass;
    const cn = leaf.value.subjectCN;
    return fail({
      code: 'no_san',
      severity: 'critical',
      certIndex: 0,
      summary: cn
        ? `The certificate names \`${cn}\` only in the legacy Common Name and has no subjectAltName; expected the host name in a SAN (browsers ignore the Common Name).`
        : 'The certificate has neither a subjectAltName nor a Common Name; expected the host name in a SAN.',
      params: { subjectCN: cn, subject: leaf.value.subject },
      causes: [
        'the certificate was made by hand (openssl req -x509 without -addext subjectAltName=DNS:…) or by an old internal CA template',
        'the CSR had no SAN and the (private) CA copied only the subject',
      ],
    });
  },
};
