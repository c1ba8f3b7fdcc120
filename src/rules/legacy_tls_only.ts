import { fail, pass, protocolsInput } from './lib/inputs.js';
import { LEGACY, MODERN, support, supported, versionLabel } from './lib/protocols.js';
import type { Rule } from './types.js';

/**
 * RFC 8996 §2: "TLS 1.0 MUST NOT be used. Negotiation of TLS 1.0 from any version of TLS MUST NOT be
 * permitted." (§3 says the same of TLS 1.1.) Browsers, OpenSSL 3 at its default security level, Java 17+
 * and Python 3.10+ refuse both, so a server without TLS 1.2 or 1.3 is unreachable for modern clients.
 */
export const legacyTlsOnly: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'legacy_tls_only',
    title: 'The server supports only TLS 1.0/1.1',
    citation: 'RFC 8996 §2 and §3; RFC 9325 §3.1.1',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const scan = protocolsInput(ctx);
    if (!scan.ok) return scan.outcome;
    const legacy = supported(scan.value, LEGACY);
    if (legacy.length === 0 || supported(scan.value, MODERN).length > 0) return pass;
    const unknown = MODERN.filter((v) => support(scan.value, v) === null);
    if (unknown.length > 0) {
      return { status: 'not_evaluated', why: `support for ${unknown.map(versionLabel).join(', ')} is unknown` };
    }
    const shown = legacy.map(versionLabel).join(', ');
    return fail({
      code: 'legacy_tls_only',
      severity: 'critical',
      certIndex: -1,
      summary: `The server accepts only ${shown}; expected TLS 1.2 or TLS 1.3 (TLS 1.0 and 1.1 are deprecated by RFC 8996).`,
      params: { supported: legacy.join(', '), expected: 'TLSv1.2, TLSv1.3' },
      causes: [
        'the server software or its TLS library is too old to speak TLS 1.2 (e.g. OpenSSL 0.9.8, Windows Server 2008 without updates, Java 6)',
        'the protocol list is pinned to old versions (nginx `ssl_protocols TLSv1 TLSv1.1;`, Apache `SSLProtocol`)',
      ],
    });
  },
};
