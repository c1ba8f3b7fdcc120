/**
 * The ASN.1 plumbing CRL and OCSP checks share: certificates parsed once with @peculiar/asn1-x509, name and
 * key hashes (RFC 6960 §4.1.1 CertID), serial numbers in one spelling, and signature checks over the raw
 * to-be-signed bytes the schema library keeps (a re-encoding could differ from what was signed).
 */
import { createHash, type KeyObject, X509Certificate as NodeX509, verify } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { SIGNATURE_ALGORITHMS } from '../certinfo.js';
import type { CertInfo } from '../types.js';

/** A certificate parsed for revocation checks: schema view, Node view (keys, signatures), DER. */
export interface ParsedCert {
  der: Buffer;
  asn: Certificate;
  node: NodeX509;
}

/** A certificate of the built path. */
export interface RevCert extends ParsedCert {
  info: CertInfo;
}

export function revCert(info: CertInfo): RevCert {
  const der = Buffer.from(info.der, 'base64');
  return { info, der, asn: AsnConvert.parse(der, Certificate), node: new NodeX509(der) };
}

/** null when the bytes are not a certificate (a responder's `certs` field is attacker-supplied). */
export function parsedCert(der: Uint8Array): ParsedCert | null {
  try {
    const buf = Buffer.from(der);
    return { der: buf, asn: AsnConvert.parse(buf, Certificate), node: new NodeX509(buf) };
  } catch {
    return null;
  }
}

/** DER of the certificate's subject Name. */
export function subjectDer(cert: Certificate): Buffer {
  return Buffer.from(AsnConvert.serialize(cert.tbsCertificate.subject));
}

/** The subjectPublicKey BIT STRING contents (RFC 6960 §4.1.1 issuerKeyHash, responderID byKey). */
export function publicKeyBits(cert: Certificate): Buffer {
  return Buffer.from(cert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);
}

/** Node digest names for the hash OIDs RFC 6960 CertIDs use. */
export const HASH_OIDS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export function digest(alg: string, data: Uint8Array): Buffer {
  return createHash(alg).update(data).digest();
}

/** Serial as lower-case hex without leading zero bytes (DER INTEGER content may carry a sign byte). */
export function serialHex(bytes: ArrayBuffer | Uint8Array): string {
  const hex = Buffer.from(bytes as ArrayBuffer).toString('hex');
  return hex.replace(/^(00)+(?=.)/, '') || '0';
}

export function normaliseSerial(hex: string): string {
  const clean = hex.toLowerCase().replace(/[^0-9a-f]/g, '');
  const even = clean.length % 2 ? `0${clean}` : clean;
  return even.replace(/^(00)+(?=.)/, '') || '0';
}

/**
 * Does `signature` over `tbs` verify with `key` under the algorithm `oid`? null when the algorithm is one we
 * cannot check (RSASSA-PSS, whose parameters we do not decode; unknown OIDs).
 */
export function verifySigned(tbs: ArrayBuffer | Uint8Array, oid: string, signature: ArrayBuffer, key: KeyObject) {
  const alg = SIGNATURE_ALGORITHMS[oid];
  if (!alg || alg.name === 'rsassaPss' || alg.name === 'Ed448' || alg.name.startsWith('md')) return null;
  const hash = alg.hash ? alg.hash.toLowerCase().replace('-', '') : null;
  try {
    return verify(hash, Buffer.from(tbs as ArrayBuffer), key, Buffer.from(signature));
  } catch {
    return false;
  }
}

/** ISO string of a Date, or null. */
export const iso = (d: Date | undefined | null): string | null =>
  d && !Number.isNaN(d.getTime()) ? d.toISOString() : null;

/** Allowed clock difference between us and a CA when judging thisUpdate (RFC 5019 §4 leaves it to clients). */
export const SKEW_MS = 5 * 60 * 1000;

/** RFC 5280 §5.3.1 reason codes by number (7 is unused). */
export const REASONS: Record<number, string> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};
