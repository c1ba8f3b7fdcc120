/**
 * A certificate's signature checked over its TBSCertificate bytes with node:crypto (RFC 5280 §4.1.1.3),
 * without making Node's X509Certificate of the child: on Node 20 (OpenSSL 3.0) building that object costs
 * ~0.2–0.3 ms, mostly OpenSSL decoding the public key, twice the ECDSA P-256 verification itself, and a sweep
 * check pays it for every leaf (issue 8).
 *
 * Only the common algorithms whose AlgorithmIdentifier is encoded exactly as RFC 5758 §3.2 (ECDSA, parameters
 * absent) and RFC 4055 §5 (PKCS #1 v1.5, parameters NULL) prescribe are taken, with the same bytes in the outer
 * signatureAlgorithm and in the TBS `signature` field, a matching key type and a signature BIT STRING with no
 * unused bits. For those, OpenSSL's X509_verify does what this does: the same digest over the same TBS bytes
 * (it keeps the received encoding) and the same EVP verification, which for ECDSA rejects a non-DER signature.
 * Anything else (RSA-PSS, EdDSA, DSA, SHA-1, odd encodings) returns undefined and the caller keeps OpenSSL's
 * X509_verify (certinfo.ts verifiesWith); test/cert-signature.test.ts holds both to the same answers.
 */
import { type KeyObject, verify } from 'node:crypto';
import { readTlv, TAG } from './der-reader.js';

/** AlgorithmIdentifier DER (hex) → digest and the key type that must sign with it. */
const ALGORITHMS: Record<string, { hash: string; key: 'ec' | 'rsa' }> = {
  // ecdsa-with-SHA256/384/512 (RFC 5758 §3.2)
  '300a06082a8648ce3d040302': { hash: 'sha256', key: 'ec' },
  '300a06082a8648ce3d040303': { hash: 'sha384', key: 'ec' },
  '300a06082a8648ce3d040304': { hash: 'sha512', key: 'ec' },
  // sha256/384/512WithRSAEncryption, NULL parameters (RFC 4055 §5)
  '300d06092a864886f70d01010b0500': { hash: 'sha256', key: 'rsa' },
  '300d06092a864886f70d01010c0500': { hash: 'sha384', key: 'rsa' },
  '300d06092a864886f70d01010d0500': { hash: 'sha512', key: 'rsa' },
};

interface Signed {
  tbs: Uint8Array;
  hash: string;
  key: 'ec' | 'rsa';
  signature: Uint8Array;
}

/** The parts of a DER certificate the fast path can check, or null when it must not try. */
function signedParts(der: Uint8Array): Signed | null {
  try {
    const cert = readTlv(der, 0);
    if (cert.tag !== TAG.SEQUENCE) return null;
    const tbs = readTlv(der, cert.body, cert.end);
    const alg = readTlv(der, tbs.end, cert.end);
    const sig = readTlv(der, alg.end, cert.end);
    if (tbs.tag !== TAG.SEQUENCE || sig.tag !== TAG.BIT_STRING || sig.end !== cert.end) return null;
    if (sig.end === sig.body || der[sig.body] !== 0) return null;
    const outer = Buffer.from(der.buffer, der.byteOffset + tbs.end, alg.end - tbs.end);
    const known = ALGORITHMS[outer.toString('hex')];
    if (!known) return null;
    // TBSCertificate: [0] version (optional), serialNumber, signature: the same AlgorithmIdentifier bytes
    let el = readTlv(der, tbs.body, tbs.end);
    if (el.tag === 0xa0) el = readTlv(der, el.end, tbs.end);
    const inner = readTlv(der, el.end, tbs.end);
    if (!outer.equals(der.subarray(el.end, inner.end))) return null;
    return { tbs: der.subarray(cert.body, tbs.end), ...known, signature: der.subarray(sig.body + 1, sig.end) };
  } catch {
    return null;
  }
}

/**
 * Whether `issuerKey` verifies the signature of the certificate `der`; undefined when this path does not
 * decide (the caller then asks OpenSSL's X509_verify).
 */
export function verifiesTbs(der: Uint8Array, issuerKey: KeyObject): boolean | undefined {
  const parts = signedParts(der);
  if (parts === null || issuerKey.asymmetricKeyType !== parts.key) return undefined;
  try {
    return verify(parts.hash, parts.tbs, issuerKey, parts.signature);
  } catch {
    return undefined;
  }
}
