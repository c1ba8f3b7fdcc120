import { certName, fail, judgedCerts, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * CA/B Forum BR (v1.x) §7.1.3: "Effective 1 January 2016, CAs MUST NOT issue any new Subscriber certificates
 * or Subordinate CA certificates using the SHA-1 hash algorithm." MD5 and MD2 are broken (RFC 6151, RFC 6149);
 * browsers reject SHA-1 chains since 2017. A self-signature on a root is never checked, so roots are skipped.
 */
const WEAKNESS: Record<string, number> = { MD2: 3, MD5: 2, 'SHA-1': 1 };

export const weakSignatureAlgorithm: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'weak_signature_algorithm',
    title: 'A certificate is signed with a broken hash (SHA-1, MD5, MD2)',
    citation: 'CA/B Forum BR §7.1.3; RFC 6151; RFC 6194',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const certs = judgedCerts(ctx);
    if (!certs.ok) return certs.outcome;
    let worst: (typeof certs.value)[number] | null = null;
    let worstRank = 0;
    for (const c of certs.value) {
      if (c.index > 0 && c.cert.selfSigned === true) continue;
      const rank = WEAKNESS[c.cert.signatureAlgorithm.hash ?? ''] ?? 0;
      if (rank > worstRank) {
        worst = c;
        worstRank = rank;
      }
    }
    if (!worst) return pass;
    const { cert, index, indexIn } = worst;
    const alg = cert.signatureAlgorithm;
    return fail({
      code: 'weak_signature_algorithm',
      severity: 'critical',
      certIndex: index,
      summary: `\`${certName(cert)}\` (#${index}) is signed with ${alg.name} (${alg.hash}); expected SHA-256 or stronger.`,
      params: { algorithm: alg.name, hash: alg.hash, subject: cert.subject, indexIn },
      causes: [
        'the certificate comes from an old private CA or appliance that still signs with SHA-1',
        'a very old certificate or intermediate is still deployed',
      ],
    });
  },
};
