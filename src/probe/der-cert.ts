/**
 * The TBSCertificate fields CertInfo reports (RFC 5280 §4.1), read straight from the DER: serial,
 * names, validity, the SubjectPublicKeyInfo's algorithm and size, and the extensions by OID.
 */

import { type Extension, readExtensions } from './der-extensions.js';
import { CN_OID, firstAttribute, nameString } from './der-names.js';
import { children, content, ctx, DerError, expectTlv, hex, readOid, readTlv, TAG, type Tlv } from './der-reader.js';
import type { CertInfo, KeyAlgorithm } from './types.js';

export interface TbsFields {
  serialNumber: string;
  subject: string;
  issuer: string;
  subjectCN: string | null;
  issuerCN: string | null;
  notBefore: string;
  notAfter: string;
  key: CertInfo['key'];
  extensions: Map<string, Extension>;
}

export function readTbs(der: Uint8Array): TbsFields {
  // Bytes after the Certificate are tolerated, as OpenSSL and the schema parser before this one did.
  const cert = expectTlv(der, 0, TAG.SEQUENCE, der.length, 'Certificate');
  const tbs = expectTlv(der, cert.body, TAG.SEQUENCE, cert.end, 'TBSCertificate');
  const items = children(der, tbs);
  const at = items[0]?.tag === ctx(0, true) ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = items.slice(at);
  if (!serial || !issuer || !validity || !subject || !spki) throw new DerError('TBSCertificate: missing fields');
  if (serial.tag !== TAG.INTEGER || serial.end === serial.body) throw new DerError('serialNumber: expected an INTEGER');
  const [notBefore, notAfter] = children(der, validity);
  if (!notBefore || !notAfter) throw new DerError('validity: expected notBefore and notAfter');
  const exts = items.find((el) => el.tag === ctx(3, true));
  return {
    serialNumber: serialHex(content(der, serial)),
    subject: nameString(der, subject),
    issuer: nameString(der, issuer),
    subjectCN: firstAttribute(der, subject, CN_OID),
    issuerCN: firstAttribute(der, issuer, CN_OID),
    notBefore: readTime(der, notBefore, 'notBefore'),
    notAfter: readTime(der, notAfter, 'notAfter'),
    key: keyDetails(der, spki),
    extensions: exts ? readExtensions(der, exts) : new Map(),
  };
}

/** Hex of the serial's content octets, without the 00 that only keeps a high bit positive. */
function serialHex(b: Uint8Array): string {
  return hex(b.length > 1 && b[0] === 0 && b[1]! > 0x7f ? b.subarray(1) : b);
}

const UTC = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/;
const GENERALIZED = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/;

/**
 * UTCTime (two-digit years: 50–99 → 19xx, 00–49 → 20xx, RFC 5280 §4.1.2.5.1) or GeneralizedTime,
 * in UTC ("Z"), as an ISO string. Seconds may be missing from UTCTime and fractions may follow
 * GeneralizedTime in older certificates; anything else is malformed.
 */
export function readTime(der: Uint8Array, el: Tlv, what: string): string {
  const text = Buffer.from(content(der, el)).toString('latin1');
  const utc = el.tag === TAG.UTC_TIME;
  const m = utc ? UTC.exec(text) : el.tag === TAG.GENERALIZED_TIME ? GENERALIZED.exec(text) : null;
  if (!m) throw new DerError(`${what}: unreadable time ${JSON.stringify(text.slice(0, 40))}`);
  const year = utc ? Number(m[1]) + (Number(m[1]) >= 50 ? 1900 : 2000) : Number(m[1]);
  const [month, day, hour, minute, second] = m.slice(2, 7).map((s) => Number(s ?? 0)) as number[];
  const ms = !utc && m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const date = new Date(Date.UTC(year, month! - 1, day, hour, minute, second, ms));
  if (date.getUTCMonth() !== month! - 1 || date.getUTCDate() !== day || hour! > 23 || minute! > 59 || second! > 59) {
    throw new DerError(`${what}: no such time ${JSON.stringify(text)}`);
  }
  if (year < 100) date.setUTCFullYear(year);
  return date.toISOString();
}

const KEY_TYPES: Record<string, KeyAlgorithm> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA',
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
};

/** Named curves by OID (RFC 5480 §2.1.1.1, RFC 5639), under OpenSSL's short names. */
const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
  '1.3.132.0.10': 'secp256k1',
  '1.3.132.0.33': 'secp224r1',
  '1.2.840.10045.3.1.1': 'prime192v1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1',
  '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1',
};
const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 };

/** Algorithm and strength of the SubjectPublicKeyInfo (RFC 5280 §4.1.2.7, RFC 3279, RFC 8410). */
function keyDetails(der: Uint8Array, spki: Tlv): CertInfo['key'] {
  const [alg, bits] = children(der, spki);
  if (spki.tag !== TAG.SEQUENCE || !alg || !bits) throw new DerError('SubjectPublicKeyInfo: malformed');
  const [oidEl, params] = children(der, alg);
  if (!oidEl) throw new DerError('SubjectPublicKeyInfo: missing algorithm');
  const algorithm = KEY_TYPES[readOid(der, oidEl, 'public key algorithm')] ?? 'unknown';
  if (algorithm === 'Ed25519') return { algorithm, bits: 256, curve: null };
  if (algorithm === 'Ed448') return { algorithm, bits: 456, curve: null };
  if (algorithm === 'EC') {
    const curve = params?.tag === TAG.OID ? (CURVES[readOid(der, params, 'namedCurve')] ?? null) : null;
    return { algorithm, bits: curve ? (CURVE_BITS[curve] ?? null) : null, curve };
  }
  if (algorithm === 'RSA') {
    if (bits.tag !== TAG.BIT_STRING || bits.end === bits.body) throw new DerError('subjectPublicKey: malformed');
    const rsaKey = readTlv(der, bits.body + 1, bits.end);
    return { algorithm, bits: integerBits(der, children(der, rsaKey)[0], 'RSA modulus'), curve: null };
  }
  if (algorithm === 'DSA' && params?.tag === TAG.SEQUENCE) {
    return { algorithm, bits: integerBits(der, children(der, params)[0], 'DSA p'), curve: null };
  }
  return { algorithm, bits: null, curve: null };
}

/** Significant bits of a positive INTEGER (what OpenSSL reports as the modulus length). */
function integerBits(der: Uint8Array, el: Tlv | undefined, what: string): number {
  if (!el || el.tag !== TAG.INTEGER) throw new DerError(`${what}: expected an INTEGER`);
  const b = content(der, el);
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}
