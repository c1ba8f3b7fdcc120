/**
 * Keys refused before any signature is verified with them (issue 7: a hostile chain must be a finding,
 * never a stall). Verifying with a 3070-bit public exponent costs milliseconds per signature; BoringSSL
 * refuses RSA exponents over 33 bits and moduli over 16384 bits (crypto/rsa: kMaxExponentBits,
 * OPENSSL_RSA_MAX_MODULUS_BITS), and RFC 8017 §3.1 requires an odd exponent of at least 3.
 */
import { X509Certificate } from 'node:crypto';
import { children, ctx, readTlv, TAG } from './der-reader.js';
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

/**
 * The public exponent of an RSA certificate key (no arithmetic on it): its INTEGER read from the DER
 * (RFC 8017 A.1.1 RSAPublicKey), or, when that is not a plain positive INTEGER, from Node's JWK export. The DER
 * read spares a sweep check an X509Certificate of every RSA leaf (~0.3 ms on Node 20, issue 8); both give the
 * same big-endian bytes (test/cert-signature.test.ts).
 */
export function rsaExponent(derB64: string): { bits: number; odd: boolean; hex: string } | null {
  const fromDer = rsaExponentDer(Buffer.from(derB64, 'base64'));
  if (fromDer !== null) return exponentOf(fromDer);
  try {
    const jwk = new X509Certificate(Buffer.from(derB64, 'base64')).publicKey.export({ format: 'jwk' });
    if (typeof jwk.e !== 'string') return null;
    return exponentOf(Buffer.from(jwk.e, 'base64url'));
  } catch {
    return null;
  }
}

/** OBJECT IDENTIFIER 1.2.840.113549.1.1.1 (RFC 8017 A.1), tag and length included */
const RSA_ENCRYPTION = Buffer.from('06092a864886f70d010101', 'hex');

/** TBSCertificate → subjectPublicKeyInfo → RSAPublicKey → publicExponent; null unless all plainly there. */
function rsaExponentDer(der: Buffer): Buffer | null {
  try {
    const cert = readTlv(der, 0);
    const tbs = readTlv(der, cert.body, cert.end);
    const items = children(der, tbs);
    const at = items[0]?.tag === ctx(0, true) ? 1 : 0;
    const spki = items[at + 5];
    if (cert.tag !== TAG.SEQUENCE || tbs.tag !== TAG.SEQUENCE || spki?.tag !== TAG.SEQUENCE) return null;
    const [alg, bits] = children(der, spki);
    // rsaEncryption only: Node exports no JWK of an RSASSA-PSS key, so for those the answer stays null
    const oid = alg?.tag === TAG.SEQUENCE ? readTlv(der, alg.body, alg.end) : null;
    if (oid === null || !der.subarray(oid.body - 2, oid.end).equals(RSA_ENCRYPTION)) return null;
    if (bits?.tag !== TAG.BIT_STRING || bits.end - bits.body < 2 || der[bits.body] !== 0) return null;
    const key = readTlv(der, bits.body + 1, bits.end);
    const [modulus, exponent, ...rest] = key.tag === TAG.SEQUENCE && key.end === bits.end ? children(der, key) : [];
    if (modulus?.tag !== TAG.INTEGER || exponent?.tag !== TAG.INTEGER || rest.length > 0) return null;
    const n = der.subarray(modulus.body, modulus.end);
    const e = der.subarray(exponent.body, exponent.end);
    // empty or negative integers: what OpenSSL makes of the key decides
    const plain = (b: Buffer) => b.length > 0 && (b[0]! & 0x80) === 0;
    return plain(n) && plain(e) ? e : null;
  } catch {
    return null;
  }
}

function exponentOf(bytes: Buffer): { bits: number; odd: boolean; hex: string } {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return { bits: 0, odd: false, hex: '0' };
  const bits = (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
  const hex =
    bytes.length - i > 8
      ? `${bytes.subarray(i, i + 4).toString('hex')}… (${bits} bits)`
      : bytes.subarray(i).toString('hex');
  return { bits, odd: (bytes[bytes.length - 1]! & 1) === 1, hex };
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
