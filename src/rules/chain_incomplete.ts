import { certName, chainInput, dnName, fail, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 8446 §4.4.2: "The sender's certificate MUST come in the first CertificateEntry in the list. Each
 * following certificate SHOULD directly certify the one immediately preceding it." — and only a trust anchor
 * "MAY be omitted from the chain". Browsers paper over a missing intermediate with AIA fetching or cached
 * intermediates; OpenSSL-based clients (curl, Python, Node), Java and Go do not: the classic "works in my
 * browser, fails in the script".
 */
export const chainIncomplete: Rule = {
  meta: {
    code: 'chain_incomplete',
    title: 'The server does not send the intermediate certificates',
    citation: 'RFC 8446 §4.4.2; RFC 5246 §7.4.2; RFC 5280 §4.2.2.1 (AIA caIssuers)',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const chain = chainInput(ctx);
    if (!chain.ok) return chain.outcome;
    const { built, sources, missingIssuer, aia } = chain.value;
    if (missingIssuer === null && !aia.completedChain) return pass;
    const firstFetched = sources.indexOf('aia');
    const lastSent = aia.completedChain && firstFetched > 0 ? firstFetched - 1 : built.length - 1;
    const from = built[lastSent];
    const issuerDn = aia.completedChain && firstFetched > 0 ? built[firstFetched]!.subject : (missingIssuer ?? '?');
    const issuer = dnName(issuerDn);
    const aiaUrls = aia.fetches.map((f) => `${f.url} (${f.status})`).join(', ');
    const outcome = aia.completedChain
      ? 'AIA fetching completed it, so browsers work but curl, Python, Java and Go fail'
      : aia.needed && aia.fetches.length > 0
        ? 'AIA fetching could not complete it either'
        : 'the certificate has no AIA URL to fetch it from';
    return fail({
      code: 'chain_incomplete',
      severity: 'critical',
      certIndex: Math.max(lastSent, 0),
      summary: `The server does not send the intermediate \`${issuer}\` that issued \`${from ? certName(from) : '?'}\` (${outcome}); expected the leaf followed by every intermediate up to the root.`,
      params: {
        missingIssuer: issuerDn,
        issuedCertIndex: lastSent,
        aiaNeeded: aia.needed,
        aiaCompleted: aia.completedChain,
        aiaFetches: aiaUrls,
      },
      causes: [
        'the server is configured with the leaf certificate only (e.g. nginx `ssl_certificate` points at cert.pem instead of fullchain.pem)',
        'the chain file holds the wrong intermediate (an old one, or one from another CA)',
        'the intermediate is missing from the server-specific place it belongs (Apache < 2.4.8 `SSLCertificateChainFile`, the IIS "Intermediate Certification Authorities" store, a Kubernetes TLS secret with only the leaf)',
      ],
    });
  },
};
