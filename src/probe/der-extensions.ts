/**
 * The certificate extensions CertInfo reports, read from their DER values (RFC 5280 §4.2, RFC 7633).
 * Each reader gets the element inside extnValue's OCTET STRING and throws DerError on a malformed value.
 */

import { generalName, generalNames } from './der-general-names.js';
import {
  bitStringBits,
  children,
  content,
  ctx,
  DerError,
  expectTlv,
  hex,
  readBoolean,
  readOid,
  readSmallInt,
  readTlv,
  TAG,
  type Tlv,
} from './der-reader.js';
import type { CertInfo } from './types.js';

export const EXT = {
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  /** RFC 7633 TLS Feature */
  tlsFeature: '1.3.6.1.5.5.7.1.24',
} as const;

export interface Extension {
  critical: boolean;
  /** the element inside extnValue */
  value: Tlv;
}

/** Extensions by OID from the [3] EXPLICIT wrapper (RFC 5280 §4.1.2.9); the first of a duplicate wins. */
export function readExtensions(buf: Uint8Array, wrapper: Tlv): Map<string, Extension> {
  const seq = expectTlv(buf, wrapper.body, TAG.SEQUENCE, wrapper.end, 'extensions');
  const out = new Map<string, Extension>();
  for (const ext of children(buf, seq)) {
    const [id, second, third] = children(buf, ext);
    if (!id || !second) throw new DerError('malformed Extension');
    const oid = readOid(buf, id, 'extnID');
    const critical = third ? readBoolean(buf, second, `critical flag of ${oid}`) : false;
    const octets = third ?? second;
    if (octets.tag !== TAG.OCTET_STRING) throw new DerError(`extnValue of ${oid}: expected an OCTET STRING`);
    const value = readTlv(buf, octets.body, octets.end);
    if (!out.has(oid)) out.set(oid, { critical, value });
  }
  return out;
}

export function subjectAltNames(buf: Uint8Array, v: Tlv): NonNullable<CertInfo['san']> {
  const san = { dns: [] as string[], ip: [] as string[], other: [] as string[] };
  for (const name of generalNames(buf, sequence(v, 'subjectAltName'))) {
    if (name.type === 'dns') san.dns.push(name.value.toLowerCase());
    else if (name.type === 'ip') san.ip.push(name.value);
    else san.other.push(`${name.type}:${name.value}`);
  }
  return san;
}

export function basicConstraints(buf: Uint8Array, ext: Extension): NonNullable<CertInfo['basicConstraints']> {
  const items = children(buf, sequence(ext.value, 'basicConstraints'));
  let i = 0;
  const ca = items[i]?.tag === TAG.BOOLEAN ? readBoolean(buf, items[i++]!, 'cA') : false;
  const pathLength = items[i] ? readSmallInt(buf, items[i++]!, 'pathLenConstraint') : null;
  if (i !== items.length) throw new DerError('basicConstraints: unexpected trailing element');
  return { ca, pathLength, critical: ext.critical };
}

/** KeyUsage bit names in RFC 5280 §4.2.1.3 bit order. */
const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

export function keyUsage(buf: Uint8Array, v: Tlv): string[] {
  const bit = bitStringBits(buf, v, 'keyUsage');
  return KEY_USAGE_BITS.filter((_, i) => bit(i));
}

export function extKeyUsage(buf: Uint8Array, v: Tlv): string[] {
  return children(buf, sequence(v, 'extKeyUsage')).map((el) => readOid(buf, el, 'KeyPurposeId'));
}

export function subjectKeyId(buf: Uint8Array, v: Tlv): string {
  if (v.tag !== TAG.OCTET_STRING) throw new DerError('subjectKeyIdentifier: expected an OCTET STRING');
  return hex(content(buf, v));
}

/** keyIdentifier [0] of AuthorityKeyIdentifier (RFC 5280 §4.2.1.1), or null when only issuer+serial are given. */
export function authorityKeyId(buf: Uint8Array, v: Tlv): string | null {
  const keyId = children(buf, sequence(v, 'authorityKeyIdentifier')).find((el) => el.tag === ctx(0));
  return keyId ? hex(content(buf, keyId)) : null;
}

const AD_OCSP = '1.3.6.1.5.5.7.48.1';
const AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

/** URI locations of the caIssuers and OCSP access descriptions (RFC 5280 §4.2.2.1). */
export function infoAccess(buf: Uint8Array, v: Tlv): CertInfo['aia'] {
  const aia = { caIssuers: [] as string[], ocsp: [] as string[] };
  for (const desc of children(buf, sequence(v, 'authorityInfoAccess'))) {
    const [method, location] = children(buf, desc);
    if (!method || !location) throw new DerError('malformed AccessDescription');
    const oid = readOid(buf, method, 'accessMethod');
    const name = generalName(buf, location);
    if (name.type !== 'url') continue;
    if (oid === AD_CA_ISSUERS) aia.caIssuers.push(name.value);
    else if (oid === AD_OCSP) aia.ocsp.push(name.value);
  }
  return aia;
}

/** URIs in each DistributionPoint's fullName (RFC 5280 §4.2.1.13); relative names and cRLIssuer are skipped. */
export function crlUrls(buf: Uint8Array, v: Tlv): string[] {
  const out: string[] = [];
  for (const dp of children(buf, sequence(v, 'cRLDistributionPoints'))) {
    if (dp.tag !== TAG.SEQUENCE) throw new DerError('DistributionPoint: expected a SEQUENCE');
    const dpName = children(buf, dp).find((el) => el.tag === ctx(0, true));
    if (!dpName) continue;
    const fullName = readTlv(buf, dpName.body, dpName.end);
    if (fullName.tag !== ctx(0, true)) continue;
    for (const name of generalNames(buf, fullName)) if (name.type === 'url') out.push(name.value);
  }
  return out;
}

/** TLS Feature (RFC 7633 §4): SEQUENCE OF INTEGER; 5 = status_request, i.e. OCSP must-staple. */
export function mustStaple(buf: Uint8Array, v: Tlv): boolean {
  return children(buf, sequence(v, 'tlsFeature')).some(
    (el) => el.tag === TAG.INTEGER && hex(content(buf, el)) === '05',
  );
}

function sequence(v: Tlv, what: string): Tlv {
  if (v.tag !== TAG.SEQUENCE) throw new DerError(`${what}: expected a SEQUENCE`);
  return v;
}
