import { certName, fail, pass } from './lib/inputs.js';
import { pathProblem, where } from './lib/problems.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §4.2.1.10 and §6.1.3 (b)–(c): every name in a certificate below a CA with name constraints must
 * be within a permitted subtree (of its type) and within no excluded subtree.
 */
export const nameConstraintsViolation: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'name_constraints_violation',
    title: "A name in a certificate is outside its CA's name constraints",
    citation: 'RFC 5280 §4.2.1.10 and §6.1.3 (b)–(c)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const found = pathProblem(ctx, 'name_constraints_violation');
    if (!found.ok) return found.outcome;
    if (found.value === null) return pass;
    const { problem, cert, chain } = found.value;
    const { name, subtree, constrainedBy } = problem.params;
    const caAt = Number(problem.params.constrainedAt);
    return fail({
      code: 'name_constraints_violation',
      severity: 'critical',
      certIndex: problem.certIndex,
      summary: `\`${certName(cert)}\` (#${problem.certIndex}) has the name \`${name}\`, but \`${certName(chain.built[caAt]!)}\` (${where(chain, caAt)}) constrains names to ${subtree}; expected every name within the CA's name constraints.`,
      params: {
        subject: cert.subject,
        name: String(name),
        subtree: String(subtree),
        constrainedBy: String(constrainedBy),
        builtIndex: problem.certIndex,
        constrainedAt: caAt,
      },
      causes: [
        'the certificate was issued by a name-constrained (internal) CA for a name outside the domains it may certify',
        'the name-constrained CA was set up with too narrow a permitted subtree (e.g. missing a second internal domain)',
      ],
    });
  },
};
