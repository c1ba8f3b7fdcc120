/**
 * Name comparison for path building, per RFC 5280 §7.1: attribute values are compared after RFC 4518
 * string preparation (string type ignored, case folded, leading/trailing white space removed, inner
 * runs collapsed), RDN attributes as a set. Without this, an issuer written as UTF8String or in another
 * case than the CA's subject (PrintableString) looks like a missing issuer. Non-string values are kept as
 * their DER bytes.
 */
import { directoryText } from './der-names.js';
import { children, DerError, hex, readOid, readTlv, TAG, type Tlv } from './der-reader.js';
import { CERT_MEMO_MAX } from './memo-bounds.js';

export interface NormalizedNames {
  issuer: string;
  subject: string;
}

/** RFC 4518 §2 in the form BoringSSL and Go apply it: NFKC, case fold, white space collapsed. */
export function prepareString(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** One RDN sequence as a comparison key: `oid="value"` per attribute, sorted within each RDN, RDNs on lines. */
export function normalizeName(buf: Uint8Array, name: Tlv): string {
  if (name.tag !== TAG.SEQUENCE) throw new DerError('Name: expected a SEQUENCE');
  return children(buf, name)
    .map((rdn) => {
      if (rdn.tag !== TAG.SET) throw new DerError('RelativeDistinguishedName: expected a SET');
      return children(buf, rdn)
        .map((atv) => {
          const [type, value] = children(buf, atv);
          if (!type || !value) throw new DerError('malformed AttributeTypeAndValue');
          const text = directoryText(buf, value);
          const v = text === null ? `#${value.tag}:${hex(buf.subarray(value.body, value.end))}` : prepareString(text);
          return `${readOid(buf, type, 'attribute type')}=${JSON.stringify(v)}`;
        })
        .sort()
        .join('+');
    })
    .join('\n');
}

/** The RDNs of a normalized name key, for prefix checks (directoryName constraints, RFC 5280 §4.2.1.10). */
export function rdnsOf(key: string): string[] {
  return key === '' ? [] : key.split('\n');
}

/** Issuer and subject Name TLVs of a DER certificate. */
export function nameTlvs(der: Uint8Array): { issuer: Tlv; subject: Tlv } {
  const cert = readTlv(der, 0);
  const tbs = readTlv(der, cert.body, cert.end);
  let el = readTlv(der, tbs.body, tbs.end);
  if (el.tag === 0xa0) el = readTlv(der, el.end, tbs.end);
  const signature = readTlv(der, el.end, tbs.end);
  const issuer = readTlv(der, signature.end, tbs.end);
  const validity = readTlv(der, issuer.end, tbs.end);
  const subject = readTlv(der, validity.end, tbs.end);
  return { issuer, subject };
}

const memo = new Map<string, NormalizedNames | null>();

/** Normalized issuer and subject of a base64 DER certificate, memoised; null when they cannot be read. */
export function normalizedNames(derB64: string): NormalizedNames | null {
  let hit = memo.get(derB64);
  if (hit === undefined) {
    try {
      const der = Buffer.from(derB64, 'base64');
      const { issuer, subject } = nameTlvs(der);
      hit = { issuer: normalizeName(der, issuer), subject: normalizeName(der, subject) };
    } catch {
      hit = null;
    }
    if (memo.size > CERT_MEMO_MAX) memo.clear();
    memo.set(derB64, hit);
  }
  return hit;
}
