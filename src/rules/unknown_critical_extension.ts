import { certName, fail, pass } from './lib/inputs.js';
import { pathProblem, where } from './lib/problems.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if it encounters a critical
 * extension it does not recognize"; the list recognised is a browser verifier's (chain-checks.ts).
 */
export const unknownCriticalExtension: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'unknown_critical_extension',
    title: 'A certificate carries a critical extension that verifiers do not recognise',
    citation: 'RFC 5280 §4.2 and §6.1.4 (o)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const found = pathProblem(ctx, 'unknown_critical_extension');
    if (!found.ok) return found.outcome;
    if (found.value === null) return pass;
    const { problem, cert, chain } = found.value;
    const oids = String(problem.params.oids);
    return fail({
      code: 'unknown_critical_extension',
      severity: 'critical',
      certIndex: problem.certIndex,
      summary: `\`${certName(cert)}\` (${where(chain, problem.certIndex)}) marks extension ${oids} critical; expected only extensions that TLS clients recognise to be critical.`,
      params: { subject: cert.subject, oids, builtIndex: problem.certIndex },
      causes: [
        'a private CA or hand-written OpenSSL config marked a custom or vendor extension `critical`',
        'the certificate was made for another purpose (e.g. a device or document-signing profile)',
      ],
    });
  },
};
