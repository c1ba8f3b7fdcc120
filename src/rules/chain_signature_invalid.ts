import { certName, chainInput, fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.3 (a)(1): "The signature on the certificate can be verified using
 * working_public_key_algorithm, the working_public_key, and the working_public_key_parameters."
 */
export const chainSignatureInvalid: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'chain_signature_invalid',
    title: 'A certificate signature does not verify with its issuer key',
    citation: 'RFC 5280 §6.1.3 (a)(1)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const { built, links } = chain.value;
    const index = links.findIndex((l) => l.signatureValid === false);
    if (index < 0) return pass;
    const cert = built[index]!;
    const issuer = built[index + 1];
    return fail({
      code: 'chain_signature_invalid',
      severity: 'critical',
      certIndex: index,
      summary: `The signature on \`${certName(cert)}\` (#${index}) does not verify with the key of \`${issuer ? certName(issuer) : '?'}\` (#${index + 1}); expected each certificate to be signed by the next one's key.`,
      params: { subject: cert.subject, issuer: issuer?.subject ?? null, builtIndex: index, issuerIndex: index + 1 },
      causes: [
        'the chain pairs the certificate with a different intermediate that has the same name but another key (a re-keyed or cross-signed CA)',
        'the certificate file was corrupted or edited',
        'a TLS-intercepting proxy (corporate firewall / antivirus) is tampering with the chain',
      ],
    });
  },
};
