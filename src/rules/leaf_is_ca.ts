import { certName, fail, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * CA/B Forum BR (v1.x) §7.1.2.3 (d), Subscriber Certificate basicConstraints: "Optional. If present, the cA
 * field MUST be set false." Firefox (mozilla::pkix) refuses a CA certificate used as an end entity
 * (MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY).
 */
export const leafIsCa: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'leaf_is_ca',
    title: 'The server certificate is a CA certificate',
    citation: 'CA/B Forum BR §7.1.2.3 (d); RFC 5280 §4.2.1.9',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    if (leaf.value.basicConstraints?.ca !== true) return pass;
    return fail({
      code: 'leaf_is_ca',
      severity: 'warning',
      certIndex: 0,
      summary: `The server certificate \`${certName(leaf.value)}\` has basicConstraints cA=TRUE; expected cA=FALSE (or no basicConstraints) on an end-entity certificate.`,
      params: { subject: leaf.value.subject, ca: true, pathLength: leaf.value.basicConstraints.pathLength },
      causes: [
        'the certificate was made with a CA profile (openssl req -x509 with the default v3_ca extensions)',
        'the server is configured with the CA certificate instead of the leaf',
      ],
    });
  },
};
