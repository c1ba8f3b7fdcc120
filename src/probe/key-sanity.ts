/**
 * Keys refused before any signature is verified with them (issue 7: a hostile chain must be a finding,
 * never a stall). Verifying with a 3070-bit public exponent costs milliseconds per signature; BoringSSL
 * refuses RSA exponents over 33 bits and moduli over 16384 bits (crypto/rsa: kMaxExponentBits,
 * OPENSSL_RSA_MAX_MODULUS_BITS), and RFC 8017 §3.1 requires an odd exponent of at least 3.
 */
import { X509Certificate } from 'node:crypto';
import { CERT_MEMO_MAX } from './memo-bounds.js';
import type { CertInfo } from './types.js';

export const MAX_RSA_MODULUS_BITS = 16384;
export const MAX_RSA_EXPONENT_BITS = 33;

const memo = new Map<string, string | null>();

/** Why this certificate's key is refused, or null when it may be used to verify signatures. */
export function keyRefusal(cert: CertInfo): string | null {
  const hit = memo.get(cert.sha256);
  if (hit !== undefined) return hit;
  const why = refuse(cert);
  if (memo.size > CERT_MEMO_MAX) memo.clear();
  memo.set(cert.sha256, why);
  return why;
}

function refuse(cert: CertInfo): string | null {
  if (cert.key.algorithm !== 'RSA') return null;
  if (cert.key.bits !== null && cert.key.bits > MAX_RSA_MODULUS_BITS)
    return `RSA modulus of ${cert.key.bits} bits (at most ${MAX_RSA_MODULUS_BITS} are accepted)`;
  const e = rsaExponent(cert.der);
  if (e === null) return null;
  if (e.bits > MAX_RSA_EXPONENT_BITS)
    return `RSA public exponent of ${e.bits} bits (at most ${MAX_RSA_EXPONENT_BITS} are accepted)`;
  if (!e.odd || e.bits < 2) return `RSA public exponent ${e.hex} (it must be odd and at least 3)`;
  return null;
}

/** The public exponent of an RSA certificate key, read from Node's JWK export (no arithmetic on it). */
function rsaExponent(derB64: string): { bits: number; odd: boolean; hex: string } | null {
  try {
    const jwk = new X509Certificate(Buffer.from(derB64, 'base64')).publicKey.export({ format: 'jwk' });
    if (typeof jwk.e !== 'string') return null;
    const bytes = Buffer.from(jwk.e, 'base64url');
    let i = 0;
    while (i < bytes.length && bytes[i] === 0) i++;
    if (i === bytes.length) return { bits: 0, odd: false, hex: '0' };
    const bits = (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
    const hex =
      bytes.length - i > 8
        ? `${bytes.subarray(i, i + 4).toString('hex')}… (${bits} bits)`
        : bytes.subarray(i).toString('hex');
    return { bits, odd: (bytes[bytes.length - 1]! & 1) === 1, hex };
  } catch {
    return null;
  }
}

/** The same test on raw DER, for parse-time checks (a self-signature is verified while parsing). */
export function derKeyRefused(node: X509Certificate): boolean {
  try {
    const jwk = node.publicKey.export({ format: 'jwk' });
    if (jwk.kty !== 'RSA' || typeof jwk.e !== 'string' || typeof jwk.n !== 'string') return false;
    const eBits = Buffer.from(jwk.e, 'base64url').length * 8;
    const nBits = Buffer.from(jwk.n, 'base64url').length * 8;
    return eBits > MAX_RSA_EXPONENT_BITS + 7 || nBits > MAX_RSA_MODULUS_BITS + 8;
  } catch {
    return false;
  }
}
