import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import type { CertInfo } from '../../probe/types.js';

/**
 * Server identity matching per RFC 6125 §6.4 as browsers apply it (CA/B BR §7.1.4.2.2 forbids a CN that is
 * not also a SAN, and Chrome 58+ ignores the CN): only SAN dNSName entries match a DNS host, only SAN
 * iPAddress entries match an IP literal, comparison is case-insensitive and ignores a trailing dot, and a
 * wildcard is only ever the whole left-most label and covers exactly one label (RFC 6125 §6.4.3, BR §1.6.1
 * "Wildcard Domain Name").
 */

/** Lower-case, no trailing dot, punycode (RFC 5890 A-label) so an IDN compares with its SAN. */
export function normaliseDnsName(name: string): string {
  const lower = name.trim().toLowerCase().replace(/\.$/, '');
  if (/^[\x00-\x7f]*$/.test(lower)) return lower;
  return domainToASCII(lower) || lower;
}

/** IPv6 in its canonical compressed form so `2001:db8:0:0::1` equals `2001:db8::1`. */
export function normaliseIp(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 6) return bare;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare.toLowerCase();
  }
}

function wildcardMatches(pattern: string, host: string): boolean {
  const suffix = pattern.slice(1);
  // `*.com` would cover a whole TLD: require at least two labels after the wildcard.
  if (suffix.split('.').length < 3) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === suffix;
}

export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = normaliseDnsName(pattern);
  const h = normaliseDnsName(host);
  if (p.startsWith('*.')) return wildcardMatches(p, h);
  if (p.includes('*')) return false;
  return p === h;
}

export function isIpHost(host: string): boolean {
  return isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}

/** Whether the certificate's SAN covers `host`. No Common Name fallback. */
export function certCoversHost(cert: CertInfo, host: string): boolean {
  if (!cert.san) return false;
  if (isIpHost(host)) {
    const want = normaliseIp(host);
    return cert.san.ip.some((ip) => normaliseIp(ip) === want);
  }
  return cert.san.dns.some((name) => dnsNameMatches(name, host));
}

/** The names a certificate is valid for, as shown to a user: DNS SANs then IP SANs. */
export function certNames(cert: CertInfo): string[] {
  return cert.san ? [...cert.san.dns, ...cert.san.ip] : [];
}

function sharedSuffixLabels(a: string, b: string): number {
  const x = normaliseDnsName(a).split('.').reverse();
  const y = normaliseDnsName(b).split('.').reverse();
  let n = 0;
  while (n < x.length && n < y.length && (x[n] === y[n] || (n === x.length - 1 && x[n] === '*'))) n++;
  return n;
}

/** The SAN that looks most like `host` (most shared right-most labels), or null when there are none. */
export function closestName(names: string[], host: string): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const name of names) {
    const score = sharedSuffixLabels(name, host);
    if (score > bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}

/** The usual reason a near-miss wildcard does not match, for the summary's parenthesis; null when none. */
export function wildcardHint(names: string[], host: string): string | null {
  const h = normaliseDnsName(host);
  for (const raw of names) {
    const name = normaliseDnsName(raw);
    if (!name.startsWith('*.')) {
      if (name.includes('*')) return 'a wildcard must be the whole left-most label';
      continue;
    }
    const base = name.slice(2);
    if (h === base) return `a wildcard does not cover \`${base}\` itself`;
    if (h.endsWith(`.${base}`)) return 'a wildcard covers one label';
  }
  return null;
}
