import { certName, fail, pass } from './lib/inputs.js';
import { pathProblem, where } from './lib/problems.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §4.2.1.9: pathLenConstraint "gives the maximum number of non-self-issued intermediate
 * certificates that may follow this certificate in a valid certification path"; §6.1.4 (l)–(m).
 */
export const pathLengthExceeded: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'path_length_exceeded',
    title: "A CA's pathLenConstraint is exceeded by the intermediates below it",
    citation: 'RFC 5280 §4.2.1.9 and §6.1.4 (l)–(m)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const found = pathProblem(ctx, 'path_length_exceeded');
    if (!found.ok) return found.outcome;
    if (found.value === null) return pass;
    const { problem, cert, chain } = found.value;
    const { pathLength, below } = problem.params;
    return fail({
      code: 'path_length_exceeded',
      severity: 'critical',
      certIndex: problem.certIndex,
      summary: `\`${certName(cert)}\` (${where(chain, problem.certIndex)}) has pathLenConstraint ${pathLength} but ${below} intermediate CA(s) follow it on the path; expected at most ${pathLength}.`,
      params: {
        subject: cert.subject,
        pathLength: Number(pathLength),
        below: Number(below),
        builtIndex: problem.certIndex,
      },
      causes: [
        'an extra intermediate was inserted below a CA that allows none (pathlen:0 issuing CA used to sign another CA)',
        'the chain file pairs the leaf with an older cross-signed path that is longer than the CA allows',
      ],
    });
  },
};
