import { fail, leafInput, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 5280 §6.1: a path is validated from a trust anchor; a self-signed leaf is its own anchor, so only a
 * client that was given this exact certificate trusts it. Passes when the bot was given it (--ca).
 */
export const certSelfSigned: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'cert_self_signed',
    title: 'The server presents a self-signed certificate',
    citation: 'RFC 5280 §6.1 (path validation from a trust anchor); RFC 5280 §3.2 (self-signed certificates)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    if (leaf.value.selfSigned !== true) return pass;
    const chain = ctx.primary?.chain;
    if (chain?.status === 'completed' && chain.result.trusted) return pass;
    const { subject, sha256 } = leaf.value;
    return fail({
      code: 'cert_self_signed',
      severity: 'critical',
      certIndex: 0,
      summary: `The server presents the self-signed certificate \`${subject}\`; expected a certificate issued by a CA that clients trust.`,
      params: { subject, sha256 },
      causes: [
        'the server still uses its default or placeholder certificate (ssl-cert-snakeoil, an appliance default, the Kubernetes ingress "Fake Certificate")',
        'the real certificate is not configured for this name, so the server falls back to its default',
        'a TLS-intercepting proxy (corporate firewall / antivirus) is presenting its own certificate',
        'an internal service uses a self-signed certificate on purpose: clients must pin it (the bot: --ca)',
      ],
    });
  },
};
