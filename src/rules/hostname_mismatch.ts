import { certCoversHost, certNames, closestName, dnsNameMatches, isIpHost, wildcardHint } from './lib/hostname.js';
import { fail, leafInput, listNames, pass } from './lib/inputs.js';
import type { Rule } from './types.js';

/**
 * RFC 6125 §6.4.4: "a client MUST NOT seek a match for a reference identifier of CN-ID if the presented
 * identifiers include a DNS-ID"; CA/B BR §7.1.4.2.2 makes the CN a copy of a SAN, and browsers ignore it.
 * RFC 6125 §6.4.3: the wildcard "*" is only the complete left-most label and matches one label; IP targets
 * match iPAddress SANs only (RFC 5280 §4.2.1.6). No CN fallback at all, even without a SAN: no_san then
 * comes first and explains the legacy-CN trap.
 */
export const hostnameMismatch: Rule = {
  scope: 'endpoint',
  meta: {
    code: 'hostname_mismatch',
    title: 'The certificate is not valid for the host name',
    citation: 'RFC 6125 §6.4.3 and §6.4.4; RFC 5280 §4.2.1.6; CA/B Forum BR §7.1.4.2.2',
    severity: 'critical',
  },
  applies: () => true,
  evaluate(ctx) {
    const leaf = leafInput(ctx);
    if (!leaf.ok) return leaf.outcome;
    const { host, unicodeHost } = ctx.report.target;
    const cert = leaf.value;
    if (certCoversHost(cert, host)) return pass;
    const ipTarget = isIpHost(host);
    const names = certNames(cert);
    const closest = closestName(names, host);
    const cnOnly = cert.san === null && cert.subjectCN !== null && dnsNameMatches(cert.subjectCN, host);
    const hint = cnOnly
      ? 'clients ignore the legacy Common Name'
      : ipTarget
        ? cert.san?.dns.includes(host)
          ? 'an IP address matches only iPAddress SANs'
          : null
        : wildcardHint(names, host);
    const shown = unicodeHost ? `\`${unicodeHost}\` (\`${host}\`)` : `\`${host}\``;
    const sameDomain = closest !== null && !ipTarget && sharesDomain(closest, host);
    return fail({
      code: 'hostname_mismatch',
      severity: 'critical',
      certIndex: 0,
      summary:
        names.length > 0
          ? `The certificate is valid for ${listNames(names)} — not ${shown}${hint ? ` (${hint})` : ''}.`
          : `The certificate names no host in a SAN${cert.subjectCN ? ` (only CN \`${cert.subjectCN}\`)` : ''} — not ${shown}${hint ? ` (${hint})` : ''}.`,
      params: { host, names: names.join(', '), closest, hint, ipTarget, subjectCN: cert.subjectCN },
      causes: [
        ...(sameDomain ? ['the certificate was issued without this name: reissue it with the name added'] : []),
        'the server presents the certificate of another site (default virtual host; this name is not configured for SNI)',
        'DNS points this name at a different server (old address, CDN or shared hosting) than the one with the certificate',
        'a TLS-intercepting proxy (corporate firewall / antivirus) is presenting its own certificate',
        ...(sameDomain ? [] : ['the certificate was issued without this name: reissue it with the name added']),
      ],
    });
  },
};

/** Same registrable-looking domain: the last two labels agree. */
function sharesDomain(name: string, host: string): boolean {
  const tail = (s: string) => s.toLowerCase().replace(/\.$/, '').split('.').slice(-2).join('.');
  return tail(name) === tail(host);
}
