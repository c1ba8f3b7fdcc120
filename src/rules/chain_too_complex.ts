import { chainInput, fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 4158 §3.5 (path building must be bounded) and BoringSSL's path builder iteration limit: when a cap
 * on certificates, candidate issuers or signature checks stops the search, the result is not a verdict
 * on the chain but a refusal to spend more work on it (issue 7: bounded work per chain).
 */
export const chainTooComplex: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'chain_too_complex',
    title: 'The chain holds more candidate certificates than the path search examines',
    citation: 'RFC 4158 §3.5; BoringSSL pki path builder limits',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const search = chain.value.search;
    if (!search?.exhausted) return pass;
    const critical = !chain.value.trusted;
    return fail({
      code: 'chain_too_complex',
      severity: critical ? 'critical' : 'warning',
      certIndex: -1,
      summary: `The path search stopped at a cap (${search.exhausted}) after ${search.signatureChecks} signature checks; expected a chain of a few certificates, each issuing the one before it.`,
      params: {
        exhausted: search.exhausted,
        signatureChecks: search.signatureChecks,
        maxSignatureChecks: search.maxSignatureChecks,
        trusted: chain.value.trusted,
      },
      causes: [
        'the server sends dozens of same-name CA certificates (a chain crafted to exhaust verifiers)',
        'the chain file concatenates a whole CA bundle instead of the leaf and its intermediates',
      ],
    });
  },
};
