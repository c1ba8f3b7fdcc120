/**
 * The raw issuer and subject Name encodings of a DER certificate, as comparison keys. Name chaining
 * compares these bytes, as Go's crypto/x509 does with RawIssuer/RawSubject (RFC 5280 §7.1 allows a
 * binary comparison), and reading them costs a few microseconds instead of a full parse.
 */
export interface RawNames {
  issuer: string;
  subject: string;
}

interface Tlv {
  tag: number;
  /** offset of the first content byte */
  body: number;
  /** offset just past the element */
  end: number;
}

function readTlv(buf: Uint8Array, off: number): Tlv {
  const tag = buf[off];
  let len = buf[off + 1];
  if (tag === undefined || len === undefined) throw new RangeError('truncated DER');
  let body = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[body + i] ?? 0);
    body += n;
  }
  const end = body + len;
  if (end > buf.length) throw new RangeError('truncated DER');
  return { tag, body, end };
}

const SEQUENCE = 0x30;
const VERSION_TAG = 0xa0;

/** Issuer and subject Name bytes (hex) of a DER certificate; null when the structure is not a certificate. */
export function rawNames(der: Uint8Array): RawNames | null {
  try {
    const cert = readTlv(der, 0);
    const tbs = readTlv(der, cert.body);
    if (cert.tag !== SEQUENCE || tbs.tag !== SEQUENCE) return null;
    let el = readTlv(der, tbs.body);
    if (el.tag === VERSION_TAG) el = readTlv(der, el.end);
    const signature = readTlv(der, el.end);
    const issuer = readTlv(der, signature.end);
    const validity = readTlv(der, issuer.end);
    const subject = readTlv(der, validity.end);
    if (issuer.tag !== SEQUENCE || subject.tag !== SEQUENCE) return null;
    const hex = (t: Tlv, start: number) => Buffer.from(der.subarray(start, t.end)).toString('hex');
    return { issuer: hex(issuer, signature.end), subject: hex(subject, validity.end) };
  } catch {
    return null;
  }
}

const OID = 0x06;

/** Dotted form of a DER OBJECT IDENTIFIER body (X.690 §8.19). */
function decodeOid(body: Uint8Array): string {
  const parts: number[] = [];
  let value = 0;
  for (const byte of body) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** The outer signatureAlgorithm OID of a DER certificate (RFC 5280 §4.1.1.2), or null. */
export function signatureAlgorithmOid(der: Uint8Array): string | null {
  try {
    const cert = readTlv(der, 0);
    const tbs = readTlv(der, cert.body);
    const alg = readTlv(der, tbs.end);
    const oid = readTlv(der, alg.body);
    return alg.tag === SEQUENCE && oid.tag === OID ? decodeOid(der.subarray(oid.body, oid.end)) : null;
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
    if (memo.size > 4096) memo.clear();
    memo.set(derB64, hit);
  }
  return hit;
}
