import { fail, pass, protocolsInput } from './lib/inputs.js';
import { LEGACY, MODERN, support, supported, versionLabel } from './lib/protocols.js';
import type { Rule } from './types.js';

/**
 * RFC 8996 §2: "TLS 1.0 MUST NOT be used. Negotiation of TLS 1.0 from any version of TLS MUST NOT be
 * permitted." §3 says the same of TLS 1.1. Modern clients still connect over TLS 1.2/1.3, so this is a
 * warning (compliance scans such as PCI DSS fail it), not an outage.
 */
export const legacyTlsEnabled: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'legacy_tls_enabled',
    title: 'TLS 1.0/1.1 are still accepted',
    citation: 'RFC 8996 §2 and §3; PCI DSS v3.2.1 §4.1',
    severity: 'warning',
  },
  applies: () => true,
  evaluate(ctx) {
    const scan = protocolsInput(ctx);
    if (!scan.ok) return scan.outcome;
    const modern = supported(scan.value, MODERN);
    const legacy = supported(scan.value, LEGACY);
    if (modern.length === 0) return pass;
    if (legacy.length === 0) {
      const unknown = LEGACY.filter((v) => support(scan.value, v) === null);
      if (unknown.length === LEGACY.length) return { status: 'not_evaluated', why: 'TLS 1.0/1.1 could not be tested' };
      return pass;
    }
    return fail({
      code: 'legacy_tls_enabled',
      severity: 'warning',
      certIndex: -1,
      summary: `The server still accepts ${legacy.map(versionLabel).join(' and ')} alongside ${modern.map(versionLabel).join(' and ')}; expected TLS 1.2 and 1.3 only.`,
      params: { legacy: legacy.join(', '), modern: modern.join(', ') },
      causes: [
        'the default protocol list of an older server or distribution still includes TLS 1.0/1.1',
        'TLS 1.0/1.1 were kept for old clients (Android 4.x, Windows 7 IE, Java 7) that have not been retired',
      ],
    });
  },
};
