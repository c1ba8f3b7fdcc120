/**
 * DER primitives (X.690) for reading certificates without a schema library. Every read is bounded by
 * its parent element, so hostile lengths fail with a DerError instead of reading past the buffer, and
 * every loop advances by at least two bytes, so nothing here can spin.
 */

/** Structural failure while reading DER; parseCert turns it into a MalformedCert reason. */
export class DerError extends Error {
  override name = 'DerError';
}

export interface Tlv {
  tag: number;
  /** offset of the first content byte */
  body: number;
  /** offset just past the element */
  end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag `n`, primitive or constructed (X.690 §8.1.2). */
export const ctx = (n: number, constructed = false): number => 0x80 | (constructed ? 0x20 : 0) | n;

/** The element starting at `off`, which must end by `limit` (default: the end of the buffer). */
export function readTlv(buf: Uint8Array, off: number, limit = buf.length): Tlv {
  if (off + 2 > limit) throw new DerError(`truncated DER at offset ${off}`);
  const tag = buf[off]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at offset ${off}`);
  let len = buf[off + 1]!;
  let body = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError(`unsupported DER length form at offset ${off}`);
    if (body + n > limit) throw new DerError(`truncated DER length at offset ${off}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[body + i]!;
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new DerError(`DER length ${len} at offset ${off} runs past its container`);
  return { tag, body, end };
}

/** readTlv that also insists on the tag. */
export function expectTlv(buf: Uint8Array, off: number, tag: number, limit: number, what: string): Tlv {
  const el = readTlv(buf, off, limit);
  if (el.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex2(tag)}, found 0x${hex2(el.tag)}`);
  return el;
}

/** The elements directly inside `parent`, in order. */
export function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = parent.body; off < parent.end; ) {
    const el = readTlv(buf, off, parent.end);
    out.push(el);
    off = el.end;
  }
  return out;
}

export function content(buf: Uint8Array, el: Tlv): Uint8Array {
  return buf.subarray(el.body, el.end);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Dotted form of a DER OBJECT IDENTIFIER body (X.690 §8.19). */
export function decodeOid(body: Uint8Array): string {
  if (body.length === 0 || (body[body.length - 1]! & 0x80) !== 0) throw new DerError('malformed OBJECT IDENTIFIER');
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

export function readOid(buf: Uint8Array, el: Tlv, what: string): string {
  if (el.tag !== TAG.OID) throw new DerError(`${what}: expected an OBJECT IDENTIFIER, found tag 0x${hex2(el.tag)}`);
  return decodeOid(content(buf, el));
}

/** A small non-negative INTEGER (lengths, counts); DerError when negative or beyond 2^31. */
export function readSmallInt(buf: Uint8Array, el: Tlv, what: string): number {
  const bytes = content(buf, el);
  if (el.tag !== TAG.INTEGER || bytes.length === 0) throw new DerError(`${what}: expected an INTEGER`);
  if (bytes[0]! & 0x80) throw new DerError(`${what}: negative INTEGER`);
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  if (bytes.length - i > 4 || (bytes.length - i === 4 && bytes[i]! & 0x80)) {
    throw new DerError(`${what}: INTEGER too large`);
  }
  let n = 0;
  for (; i < bytes.length; i++) n = n * 256 + bytes[i]!;
  return n;
}

export function readBoolean(buf: Uint8Array, el: Tlv, what: string): boolean {
  if (el.tag !== TAG.BOOLEAN || el.end - el.body !== 1) throw new DerError(`${what}: expected a BOOLEAN`);
  return buf[el.body] !== 0;
}

/** Bit `i` (0 = the most significant bit of the first value octet) of a BIT STRING (X.690 §8.6). */
export function bitStringBits(buf: Uint8Array, el: Tlv, what: string): (i: number) => boolean {
  if (el.tag !== TAG.BIT_STRING || el.end === el.body) throw new DerError(`${what}: expected a BIT STRING`);
  const unused = buf[el.body]!;
  if (unused > 7) throw new DerError(`${what}: BIT STRING claims ${unused} unused bits`);
  const bytes = buf.subarray(el.body + 1, el.end);
  const total = bytes.length * 8 - unused;
  return (i) => i < total && ((bytes[i >> 3]! >> (7 - (i & 7))) & 1) === 1;
}
