import type tls from 'node:tls';
import { parseCert } from './certinfo.js';
import type { SentCert } from './types.js';

/** RFC 5280 does not cap chain length; a walk of the library's chain that long means a loop. */
const MAX_FALLBACK_CHAIN = 64;

/** Node's chain: leaf, then each issuer it matched, until a self-reference (the root). */
export function libraryChain(leaf: tls.PeerCertificate | tls.DetailedPeerCertificate): Buffer[] {
  const out: Buffer[] = [];
  const seen = new Set<string>();
  let cert: tls.DetailedPeerCertificate | undefined = leaf as tls.DetailedPeerCertificate;
  while (cert?.raw && !seen.has(cert.fingerprint256) && out.length < MAX_FALLBACK_CHAIN) {
    seen.add(cert.fingerprint256);
    out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out;
}

/**
 * Parse each certificate once: padded or looping chains repeat the same DER many times. `tlsAccepted`: the
 * DERs come from a handshake that completed, so OpenSSL has decoded each of them (certinfo.ts parseCert).
 */
export function parseAll(ders: Buffer[], tlsAccepted = false): SentCert[] {
  const seen = new Map<string, SentCert>();
  return ders.map((der) => {
    const key = der.toString('base64');
    const parsed = seen.get(key) ?? parseCert(der, tlsAccepted);
    seen.set(key, parsed);
    return parsed;
  });
}
