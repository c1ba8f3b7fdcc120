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
  scope: 'endpoint',
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
    const subject = `\`${issuer}\`, the issuer of \`${from ? certName(from) : '?'}\``;
    const observed =
      lastSent > 0
        ? `${subject}, is neither sent by the server nor in the trust store`
        : `The server does not send ${subject}`;
    lastSent > 0
      ? `${subject} is neither sent by the server nor in the trust store`
      : `The server does not send ${subject}`;
    return fail({
      code: 'chain_incomplete',
      severity: 'critical',
      certIndex: Math.max(lastSent, 0),
      summary: `${observed} (${outcome}); expected the leaf followed by every intermediate up to the root.`,
      params: {
        missingIssuer: issuerDn,
        issuedCertIndex: lastSent,
        aiaNeeded: aia.needed,
        aiaCompleted: aia.completedChain,
        aiaFetches: aiaUrls,
        aiaUrl: from?.aia.caIssuers[0] ?? null,
      },
      causes: causesFor(lastSent > 0),
    });
  },
};

const LEAF_ONLY =
  'the server is configured with the leaf certificate only (e.g. nginx `ssl_certificate` points at cert.pem instead of fullchain.pem)';
const WRONG_INTERMEDIATE = 'the chain file holds the wrong intermediate (an old one, or one from another CA)';
const MISPLACED =
  'the intermediate is missing from the server-specific place it belongs (Apache < 2.4.8 `SSLCertificateChainFile`, the IIS "Intermediate Certification Authorities" store, a Kubernetes TLS secret with only the leaf)';
const PRIVATE_ROOT =
  'the chain ends at an internal (private) CA whose root is not in the trust store of this check: pass it with `--ca root.pem` or CERT_DOCTOR_CA, and install it on every client';
const PROXY = 'a TLS-intercepting proxy (corporate firewall, antivirus) re-signs the connection with its own CA';

/** When the server already sends an intermediate whose issuer is unknown, a private root is the likelier story. */
function causesFor(sentAnIntermediate: boolean): string[] {
  return sentAnIntermediate
    ? [PRIVATE_ROOT, WRONG_INTERMEDIATE, PROXY, MISPLACED]
    : [LEAF_ONLY, WRONG_INTERMEDIATE, MISPLACED, PRIVATE_ROOT];
}
