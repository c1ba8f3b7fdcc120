import { createHash, type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { yieldToPeople } from '../yield-gate.js';
import { verifiesTbs } from './cert-signature.js';
import { readTbs } from './der-cert.js';
import {
  authorityKeyId,
  basicConstraints,
  crlUrls,
  EXT,
  type Extension,
  extKeyUsage,
  infoAccess,
  keyUsage,
  mustStaple,
  subjectAltNames,
  subjectKeyId,
} from './der-extensions.js';
import { rawNames, signatureAlgorithmOid } from './der-names.js';
import type { Tlv } from './der-reader.js';
import { derKeyRefused } from './key-sanity.js';
import { PARSED_CERT_MEMO_MAX } from './memo-bounds.js';
import type { CertInfo, SentCert } from './types.js';

/** Signature algorithm OIDs (RFC 3279, 4055, 5758, 8410) → display name and digest. */
export const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: string | null }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'MD2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'MD5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'SHA-1' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'SHA-512' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'SHA-224' },
  '1.2.840.113549.1.1.10': { name: 'rsassaPss', hash: null },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'SHA-1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'SHA-224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'SHA-512' },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', hash: 'SHA-1' },
  '1.3.101.112': { name: 'Ed25519', hash: null },
  '1.3.101.113': { name: 'Ed448', hash: null },
};

/** Well-known EKU OIDs, for display. */
export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

export function isMalformed(cert: SentCert): cert is Extract<SentCert, { malformed: true }> {
  return 'malformed' in cert;
}

/**
 * Parse one DER certificate into plain data. Never throws: a certificate that does not parse comes back
 * as a MalformedCert so the chain keeps its indexes and a rule can report it. Results are memoised per
 * DER (a bot sees the same few intermediates over and over), oldest dropped first; treat them as read-only.
 *
 * `tlsAccepted`: the DER is one OpenSSL itself decoded in a handshake that completed (its Certificate message
 * is refused whole when one entry does not decode: RFC 8446 §4.4.2.4, OpenSSL's decode_error), so Node's
 * X509Certificate of it, which would only say again that OpenSSL accepts it, is made when a signature check
 * needs it (toNodeCert) rather than here. A leaf is then never made into one: its signature is checked over
 * its TBS (cert-signature.ts). That object costs ~0.3 ms a certificate on Node 20 (issue 8).
 */
export function parseCert(der: Uint8Array, tlsAccepted = false): SentCert {
  const b64 = Buffer.from(der).toString('base64');
  const hit = parsed.get(b64);
  if (hit) return hit;
  yieldToPeople();
  const out = describeCert(der, tlsAccepted);
  if (parsed.size >= PARSED_CERT_MEMO_MAX) parsed.delete(parsed.keys().next().value as string);
  parsed.set(b64, out);
  return out;
}

const parsed = new Map<string, SentCert>();

/** Node's view of each CertInfo parseCert made, so signature checks do not parse the DER again. */
const nodeCerts = new WeakMap<CertInfo, NodeX509>();
/** The DER bytes of each CertInfo parseCert made (its `der` is base64). */
const derOf = new WeakMap<CertInfo, Buffer>();
/** The extensions parseCert read, by OID, so the chain checks do not read the TBS again (a leaf each check). */
const extensionsRead = new WeakMap<CertInfo, ReadonlyMap<string, Extension>>();

/** The extensions of a CertInfo parseCert made, by OID; undefined for one rebuilt from stored data. */
export function extensionsOf(cert: CertInfo): ReadonlyMap<string, Extension> | undefined {
  return extensionsRead.get(cert);
}

/** parseCert without the memo (benchmarks and differential tests measure the parse itself). */
export function describeCert(der: Uint8Array, tlsAccepted = false): SentCert {
  const buf = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  try {
    // OpenSSL must accept it too: toNodeCert() and signature checks rely on that.
    let node = tlsAccepted ? null : new NodeX509(buf);
    const info = describe(buf, () => (node ??= new NodeX509(buf)));
    if (node) nodeCerts.set(info, node);
    derOf.set(info, buf);
    return info;
  } catch (err) {
    return { malformed: true, der: buf.toString('base64'), error: err instanceof Error ? err.message : String(err) };
  }
}

/** CertInfo from the DER itself (RFC 5280 §4.1): a schema-library parse costs milliseconds per certificate. */
function describe(der: Buffer, nodeOf: () => NodeX509): CertInfo {
  const tbs = readTbs(der);
  const sigOid = signatureAlgorithmOid(der) ?? 'unknown';
  const names = rawNames(der);
  const sig = SIGNATURE_ALGORITHMS[sigOid] ?? { name: sigOid, hash: null };
  const read = <T>(oid: string, f: (buf: Uint8Array, v: Tlv) => T): T | null => {
    const v = tbs.extensions.get(oid)?.value;
    return v ? f(der, v) : null;
  };
  const bc = tbs.extensions.get(EXT.basicConstraints);
  const selfIssued = names !== null && names.subject === names.issuer;
  const info: CertInfo = {
    der: der.toString('base64'),
    subject: tbs.subject,
    issuer: tbs.issuer,
    subjectCN: tbs.subjectCN,
    issuerCN: tbs.issuerCN,
    san: read(EXT.subjectAltName, subjectAltNames),
    serialNumber: tbs.serialNumber,
    sha256: createHash('sha256').update(der).digest('hex'),
    notBefore: tbs.notBefore,
    notAfter: tbs.notAfter,
    key: tbs.key,
    signatureAlgorithm: { oid: sigOid, ...sig },
    basicConstraints: bc ? basicConstraints(der, bc) : null,
    keyUsage: read(EXT.keyUsage, keyUsage),
    extKeyUsage: read(EXT.extKeyUsage, extKeyUsage),
    subjectKeyId: read(EXT.subjectKeyId, subjectKeyId),
    authorityKeyId: read(EXT.authorityKeyId, authorityKeyId),
    aia: read(EXT.authorityInfoAccess, infoAccess) ?? { caIssuers: [], ocsp: [] },
    crlDistributionPoints: read(EXT.crlDistributionPoints, crlUrls) ?? [],
    mustStaple: read(EXT.tlsFeature, mustStaple) ?? false,
    selfIssued,
    // an absurd key is refused before any verification (key-sanity.ts): its self-signature stays unknown
    selfSigned: selfIssued ? selfSignature(nodeOf()) : false,
  };
  extensionsRead.set(info, tbs.extensions);
  return info;
}

function selfSignature(node: NodeX509): boolean | null {
  return derKeyRefused(node) ? null : verifiesWith(node, node);
}

/**
 * Whether `issuer`'s key verifies `child`'s signature: over the TBS bytes when cert-signature.ts decides it
 * (no X509Certificate of the child is made), else OpenSSL's X509_verify (verifiesWith).
 */
export function certVerifiesWith(child: CertInfo, issuer: NodeX509): boolean | null {
  const der = derOf.get(child);
  if (der !== undefined) {
    yieldToPeople();
    let key: KeyObject | undefined;
    try {
      key = issuer.publicKey;
    } catch {
      // a key OpenSSL cannot load: verifiesWith answers null for it
    }
    const fast = key === undefined ? undefined : verifiesTbs(der, key);
    if (fast !== undefined) return fast;
  }
  return verifiesWith(toNodeCert(child), issuer);
}

/** Whether `child`'s signature verifies with `issuer`'s public key; null when the check itself failed. */
export function verifiesWith(child: NodeX509, issuer: NodeX509): boolean | null {
  // the heaviest synchronous step of a check (~5 ms for a hostile key): a pool thread lets a burst of acks go first
  yieldToPeople();
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return null;
  }
}

/** Re-create Node's certificate object from our plain data (for signature checks). */
export function toNodeCert(cert: CertInfo): NodeX509 {
  let node = nodeCerts.get(cert);
  if (node === undefined) {
    node = new NodeX509(derOf.get(cert) ?? Buffer.from(cert.der, 'base64'));
    if (derOf.has(cert)) nodeCerts.set(cert, node);
  }
  return node;
}

/** Whole days from `now` until `iso` (negative when in the past), rounded toward zero. */
export function daysUntil(iso: string, now: Date): number {
  return Math.trunc((Date.parse(iso) - now.getTime()) / 86_400_000);
}
