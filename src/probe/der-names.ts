/**
 * Distinguished Names straight from the DER: raw issuer/subject bytes as comparison keys, and the
 * RFC 4514-style display string CertInfo carries. Name chaining compares the raw bytes, as Go's
 * crypto/x509 does with RawIssuer/RawSubject (RFC 5280 §7.1 allows a binary comparison), and reading
 * them costs a few microseconds instead of a full parse.
 */
import { children, content, DerError, decodeOid, hex, readOid, readTlv, TAG, type Tlv } from './der-reader.js';
import { CERT_MEMO_MAX } from './memo-bounds.js';

export interface RawNames {
  issuer: string;
  subject: string;
}

const VERSION_TAG = 0xa0;

/** Issuer and subject Name bytes (hex) of a DER certificate; null when the structure is not a certificate. */
export function rawNames(der: Uint8Array): RawNames | null {
  try {
    const cert = readTlv(der, 0);
    const tbs = readTlv(der, cert.body, cert.end);
    if (cert.tag !== TAG.SEQUENCE || tbs.tag !== TAG.SEQUENCE) return null;
    let el = readTlv(der, tbs.body, tbs.end);
    if (el.tag === VERSION_TAG) el = readTlv(der, el.end, tbs.end);
    const signature = readTlv(der, el.end, tbs.end);
    const issuer = readTlv(der, signature.end, tbs.end);
    const validity = readTlv(der, issuer.end, tbs.end);
    const subject = readTlv(der, validity.end, tbs.end);
    if (issuer.tag !== TAG.SEQUENCE || subject.tag !== TAG.SEQUENCE) return null;
    return {
      issuer: hex(der.subarray(signature.end, issuer.end)),
      subject: hex(der.subarray(validity.end, subject.end)),
    };
  } catch {
    return null;
  }
}

/** The outer signatureAlgorithm OID of a DER certificate (RFC 5280 §4.1.1.2), or null. */
export function signatureAlgorithmOid(der: Uint8Array): string | null {
  try {
    const cert = readTlv(der, 0);
    const tbs = readTlv(der, cert.body, cert.end);
    const alg = readTlv(der, tbs.end, cert.end);
    const oid = readTlv(der, alg.body, alg.end);
    return alg.tag === TAG.SEQUENCE && oid.tag === TAG.OID ? decodeOid(content(der, oid)) : null;
  } catch {
    return null;
  }
}

const memo = new Map<string, RawNames | null>();

/** rawNames for a CertInfo-style base64 DER, memoised (chains are re-walked several times per check). */
export function rawNamesB64(derB64: string): RawNames | null {
  let hit = memo.get(derB64);
  if (hit === undefined) {
    hit = rawNames(Buffer.from(derB64, 'base64'));
    if (memo.size > CERT_MEMO_MAX) memo.clear();
    memo.set(derB64, hit);
  }
  return hit;
}

/** Short names for attribute types (RFC 4514 §3 plus the ones @peculiar/x509 has always printed). */
const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'E',
  '2.5.4.42': 'G',
  '2.5.4.43': 'I',
  '2.5.4.4': 'SN',
  '2.5.4.12': 'T',
};

export const CN_OID = '2.5.4.3';

interface Attribute {
  type: string;
  /** decoded text, or null when the value is not a directory string (printed as #hex of its TLV) */
  text: string | null;
  tlvHex: string;
}

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function utf16be(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

/**
 * Text of a DirectoryString / IA5String attribute value (RFC 5280 §4.1.2.4), decoded as asn1js does so
 * the display strings stay what they were: UniversalString keeps the low 16 bits of each code point,
 * invalid UTF-8 falls back to one character per byte. null for any other type.
 */
export function directoryText(buf: Uint8Array, el: Tlv): string | null {
  const b = content(buf, el);
  switch (el.tag) {
    case TAG.PRINTABLE_STRING:
    case TAG.TELETEX_STRING:
    case TAG.IA5_STRING:
      return latin1(b);
    case TAG.UTF8_STRING:
      try {
        return utf8.decode(b);
      } catch {
        return latin1(b);
      }
    case TAG.BMP_STRING:
      return utf16be(b);
    case TAG.UNIVERSAL_STRING: {
      if (b.length % 4 !== 0) throw new DerError(`UniversalString of ${b.length} bytes (not a multiple of 4)`);
      let s = '';
      for (let i = 0; i < b.length; i += 4) s += String.fromCharCode((b[i + 2]! << 8) | b[i + 3]!);
      return s;
    }
    default:
      return null;
  }
}

/** Name → RDNs → attributes, in encoded order (RFC 5280 §4.1.2.4). */
function attributes(buf: Uint8Array, name: Tlv): Attribute[][] {
  if (name.tag !== TAG.SEQUENCE) throw new DerError('Name: expected a SEQUENCE');
  return children(buf, name).map((rdn) => {
    if (rdn.tag !== TAG.SET) throw new DerError('RelativeDistinguishedName: expected a SET');
    return children(buf, rdn).map((atv) => {
      const [type, value, extra] = children(buf, atv);
      if (atv.tag !== TAG.SEQUENCE || !type || !value || extra) throw new DerError('malformed AttributeTypeAndValue');
      return {
        type: readOid(buf, type, 'attribute type'),
        text: directoryText(buf, value),
        tlvHex: hex(buf.subarray(type.end, value.end)),
      };
    });
  });
}

/** RFC 4514 §2.4 escaping, exactly as @peculiar/x509 applies it (first control character only). */
function escapeValue(v: string): string {
  return v
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/([ ]$)/, '\\$1')
    .replace(/([\r\n\t])/, (c) => `\\${Buffer.from(c, 'utf8').toString('hex').toUpperCase()}`);
}

/** Display form of a Name: "CN=example.com, O=Example", multi-valued RDNs joined with "+". */
export function nameString(buf: Uint8Array, name: Tlv): string {
  return attributes(buf, name)
    .map((rdn) =>
      rdn
        .map((a) => `${SHORT_NAMES[a.type] ?? a.type}=${a.text === null ? `#${a.tlvHex}` : escapeValue(a.text)}`)
        .join('+'),
    )
    .join(', ');
}

/** The first value of attribute `oid` in a Name (hex of its TLV when it is not a string), or null. */
export function firstAttribute(buf: Uint8Array, name: Tlv, oid: string): string | null {
  for (const rdn of attributes(buf, name)) {
    for (const a of rdn) if (a.type === oid) return a.text ?? a.tlvHex;
  }
  return null;
}
