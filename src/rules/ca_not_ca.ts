import { certName, fail, pass } from './lib/inputs.js';
import { pathProblem, where } from './lib/problems.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.4 (k): "verify that certificate i is a CA certificate (as specified in a basicConstraints
 * extension with the cA field set to TRUE)"; §4.2.1.9: absent basicConstraints means not a CA.
 */
export const caNotCa: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'ca_not_ca',
    title: 'A certificate that issued another is not a CA',
    citation: 'RFC 5280 §6.1.4 (k) and §4.2.1.9',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const found = pathProblem(ctx, 'ca_not_ca');
    if (!found.ok) return found.outcome;
    if (found.value === null) return pass;
    const { problem, cert, chain } = found.value;
    const bc = String(problem.params.basicConstraints);
    return fail({
      code: 'ca_not_ca',
      severity: 'critical',
      certIndex: problem.certIndex,
      summary: `\`${certName(cert)}\` (${where(chain, problem.certIndex)}) issued \`${certName(chain.built[problem.certIndex - 1]!)}\` but its basicConstraints is ${bc === 'absent' ? 'missing' : bc}; expected basicConstraints with cA=TRUE on every issuing certificate.`,
      params: { subject: cert.subject, basicConstraints: bc, builtIndex: problem.certIndex },
      causes: [
        'a leaf (end-entity) certificate was put in the chain file as if it were an intermediate',
        'a private CA was created without `basicConstraints=critical,CA:TRUE` (e.g. `openssl req -x509` with a config lacking v3_ca)',
      ],
    });
  },
};
