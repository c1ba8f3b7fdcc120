/**
 * GeneralName (RFC 5280 §4.2.1.6) as CertInfo shows it: `{type, value}` with the type names
 * @peculiar/x509 used (dns, email, ip, url, dn, id, guid, upn), so stored reports keep their meaning.
 */
import { directoryText, nameString } from './der-names.js';
import { children, content, ctx, DerError, decodeOid, hex, readOid, readTlv, TAG, type Tlv } from './der-reader.js';

export interface GeneralName {
  type: string;
  value: string;
}

const GUID_OID = '1.3.6.1.4.1.311.25.1';
const UPN_OID = '1.3.6.1.4.1.311.20.2.3';

const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

export function generalName(buf: Uint8Array, el: Tlv): GeneralName {
  switch (el.tag) {
    case ctx(0, true):
      return otherName(buf, el);
    case ctx(1):
      return { type: 'email', value: latin1(content(buf, el)) };
    case ctx(2):
      return { type: 'dns', value: latin1(content(buf, el)) };
    case ctx(3, true):
      return { type: 'x400', value: hex(content(buf, el)) };
    case ctx(4, true):
      return { type: 'dn', value: nameString(buf, readTlv(buf, el.body, el.end)) };
    case ctx(5, true):
      return { type: 'edi', value: hex(content(buf, el)) };
    case ctx(6):
      return { type: 'url', value: latin1(content(buf, el)) };
    case ctx(7):
      return { type: 'ip', value: ipString(content(buf, el)) };
    case ctx(8):
      return { type: 'id', value: decodeOid(content(buf, el)) };
    default:
      throw new DerError(`GeneralName: unknown tag 0x${el.tag.toString(16)}`);
  }
}

/** GeneralNames: SEQUENCE OF GeneralName (or its IMPLICIT-tagged body, e.g. fullName [0]). */
export function generalNames(buf: Uint8Array, seq: Tlv): GeneralName[] {
  return children(buf, seq).map((el) => generalName(buf, el));
}

/** otherName: GUID and UPN as Microsoft defines them; any other type by its OID. */
function otherName(buf: Uint8Array, el: Tlv): GeneralName {
  const [typeId, wrapped] = children(buf, el);
  if (!typeId || !wrapped || wrapped.tag !== ctx(0, true)) throw new DerError('malformed otherName');
  const oid = readOid(buf, typeId, 'otherName type');
  const inner = readTlv(buf, wrapped.body, wrapped.end);
  if (oid === GUID_OID && inner.tag === TAG.OCTET_STRING && inner.end - inner.body === 16) {
    const h = hex(content(buf, inner));
    const swap = (s: string) => s.match(/../g)!.reverse().join('');
    const value = [swap(h.slice(0, 8)), swap(h.slice(8, 12)), swap(h.slice(12, 16)), h.slice(16, 20), h.slice(20)];
    return { type: 'guid', value: value.join('-') };
  }
  if (oid === UPN_OID) {
    const text = directoryText(buf, inner);
    if (text !== null) return { type: 'upn', value: text };
  }
  return { type: 'othername', value: oid };
}

/** iPAddress octets as text: IPv4, RFC 5952-style compressed IPv6, or address/prefix for a 8/32-byte mask. */
export function ipString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) return ipv6(b);
  if (b.length === 8 || b.length === 32) {
    if (b.every((x) => x === 0)) return b.length === 8 ? '0.0.0.0/0' : '::/0';
    const half = b.length / 2;
    let prefix = 0;
    for (const m of b.subarray(half)) prefix += m.toString(2).replace(/0/g, '').length;
    const addr = half === 4 ? Array.from(b.subarray(0, 4)).join('.') : ipv6(b.subarray(0, half));
    return `${addr}/${prefix}`;
  }
  return hex(b);
}

/** Groups without leading zeros; the first longest run of two or more zero groups becomes "::". */
function ipv6(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
