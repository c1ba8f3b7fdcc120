import { certName, fail, pass } from './lib/inputs.js';
import { pathProblem, where } from './lib/problems.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.4 (n): "If a key usage extension is present, verify that the keyCertSign bit is set";
 * §4.2.1.3: keyCertSign "MUST" be asserted by a certificate whose key verifies certificate signatures.
 */
export const caCannotSign: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'ca_cannot_sign',
    title: 'An issuing certificate is not allowed to sign certificates (keyCertSign missing)',
    citation: 'RFC 5280 §6.1.4 (n) and §4.2.1.3',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const found = pathProblem(ctx, 'ca_cannot_sign');
    if (!found.ok) return found.outcome;
    if (found.value === null) return pass;
    const { problem, cert, chain } = found.value;
    const ku = String(problem.params.keyUsage);
    return fail({
      code: 'ca_cannot_sign',
      severity: 'critical',
      certIndex: problem.certIndex,
      summary: `\`${certName(cert)}\` (${where(chain, problem.certIndex)}) has keyUsage ${ku}; expected keyCertSign, since it signed \`${certName(chain.built[problem.certIndex - 1]!)}\`.`,
      params: { subject: cert.subject, keyUsage: ku, builtIndex: problem.certIndex },
      causes: [
        'the CA certificate was issued from a template with only digitalSignature/keyEncipherment',
        'a leaf certificate is being used as if it were an intermediate CA',
      ],
    });
  },
};
