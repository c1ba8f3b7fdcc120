import type { CertInfo } from '../probe/types.js';
import { certName, fail, judgedCerts, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * CA/B Forum BR §6.1.5: "For RSA key pairs the CA SHALL: Ensure that the modulus size, when encoded, is at
 * least 2048 bits" and ECDSA keys must be on P-256, P-384 or P-521; DSA is not allowed. OpenSSL at security
 * level 2 (Debian, Ubuntu, RHEL defaults) rejects RSA below 2048 bits.
 */
function minimumBits(key: CertInfo['key']): number | null {
  if (key.algorithm === 'RSA') return 2048;
  if (key.algorithm === 'EC') return 256;
  return null;
}

function isWeak(key: CertInfo['key']): boolean {
  if (key.algorithm === 'DSA') return true;
  const min = minimumBits(key);
  return min !== null && key.bits !== null && key.bits < min;
}

export const weakKey: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'weak_key',
    title: 'A certificate has a weak public key',
    citation: 'CA/B Forum BR §6.1.5; NIST SP 800-131A Rev. 2 §3',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const certs = judgedCerts(ctx);
    if (!certs.ok) return certs.outcome;
    const weak = certs.value.find((c) => isWeak(c.cert.key));
    if (!weak) return pass;
    const { cert, index, indexIn } = weak;
    const { algorithm, bits } = cert.key;
    const min = minimumBits(cert.key);
    return fail({
      code: 'weak_key',
      severity: 'critical',
      certIndex: index,
      summary:
        algorithm === 'DSA'
          ? `\`${certName(cert)}\` (#${index}) has a DSA key; expected RSA (2048 bits or more) or ECDSA (P-256 or larger).`
          : `\`${certName(cert)}\` (#${index}) has a ${bits}-bit ${algorithm} key; expected at least ${min} bits.`,
      params: { algorithm, bits, minimumBits: min, subject: cert.subject, indexIn },
      causes: [
        'the key was generated with an old default size (openssl genrsa 1024, an old appliance)',
        'the certificate predates the 2048-bit minimum and was never re-keyed',
      ],
    });
  },
};
