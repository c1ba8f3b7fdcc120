import { certName, chainInput, fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1.1 (d): path validation starts from "trust anchor information" the relying party already
 * has; a path ending at a self-signed root outside the store cannot be validated. A self-signed leaf is
 * cert_self_signed's business.
 */
export const chainUntrustedRoot: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'chain_untrusted_root',
    title: 'The chain ends at a root that is not trusted',
    citation: 'RFC 5280 §6.1.1 (d) (trust anchor information); Mozilla Root Store Policy',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const { built, sources, trusted, untrustedRoot } = chain.value;
    if (trusted || !untrustedRoot || built.length < 2) return pass;
    const index = built.length - 1;
    const root = built[index]!;
    return fail({
      code: 'chain_untrusted_root',
      severity: 'critical',
      certIndex: index,
      summary: `The chain ends at the root \`${certName(root)}\`, which is not in the trust store; expected a chain to a root trusted by clients (Mozilla/system store or a --ca bundle).`,
      params: { root: root.subject, rootSha256: root.sha256, rootSent: sources[index] === 'sent', builtIndex: index },
      causes: [
        'the certificate comes from a private/internal CA: clients (and this bot, via --ca or CERT_DOCTOR_CA) need its root',
        'a TLS-intercepting proxy (corporate firewall / antivirus) is presenting its own certificate',
        "a test CA was used (e.g. Let's Encrypt staging, a local mkcert root)",
        'the root was distrusted and removed from the trust stores',
      ],
    });
  },
};
