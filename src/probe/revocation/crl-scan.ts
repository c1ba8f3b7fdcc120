/**
 * CRLs read with our own bounded DER reader (der-reader.ts) instead of a schema parse: the @peculiar schema
 * builds an object per node at about 5 ms per KiB, synchronously, so a real multi-MiB CRL (large CAs publish
 * 5–30 MiB) would stall a worker for seconds. Here the envelope is split in O(1) — the to-be-signed bytes are
 * kept exactly as signed, the revokedCertificates list is skipped by its length — so the signature is checked
 * before any entry is looked at; then one pass over the entries checks their structure and counts them, and a
 * lookup is a scan comparing serial octets (no allocation per entry). RFC 5280 §5.1:
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name,
 *     thisUpdate Time, nextUpdate Time OPTIONAL,
 *     revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time,
 *       crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *     crlExtensions [0] EXPLICIT Extensions OPTIONAL }
 */
import { readTime } from '../der-cert.js';
import { type Extension, readExtensions } from '../der-extensions.js';
import { children, ctx, DerError, expectTlv, readOid, readTlv, TAG, type Tlv } from '../der-reader.js';
import { REASONS } from './signed.js';

export interface CrlSkeleton {
  der: Uint8Array;
  /** the TBSCertList exactly as signed */
  tbs: Uint8Array;
  /** outer signatureAlgorithm; RFC 5280 §5.1.1.2 wants the inner `signature` field to equal it */
  signatureOid: string;
  innerSignatureOid: string;
  /** BIT STRING contents without the unused-bits octet */
  signature: Uint8Array;
  /** DER of the issuer Name */
  issuer: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date | null;
  /** the revokedCertificates SEQUENCE, offsets into `der`; null when the CRL lists nothing */
  revoked: Tlv | null;
  extensions: Map<string, Extension>;
}

const id_ce_cRLReasons = '2.5.29.21';
const ENUMERATED = 0x0a;

/** Splits a DER CRL into its parts without touching the entries. Throws DerError. */
export function readCrl(der: Uint8Array): CrlSkeleton {
  const outer = expectTlv(der, 0, TAG.SEQUENCE, der.length, 'CertificateList');
  if (outer.end !== der.length) throw new DerError(`${der.length - outer.end} bytes after the CertificateList`);
  const [tbsEl, algEl, sigEl, extra] = children(der, outer);
  if (!tbsEl || !algEl || !sigEl || extra) throw new DerError('CertificateList: expected three elements');
  if (tbsEl.tag !== TAG.SEQUENCE || algEl.tag !== TAG.SEQUENCE) throw new DerError('CertificateList: bad structure');
  if (sigEl.tag !== TAG.BIT_STRING || sigEl.end === sigEl.body) throw new DerError('signatureValue: not a BIT STRING');
  const fields = children(der, tbsEl);
  let i = 0;
  if (fields[i]?.tag === TAG.INTEGER) i++;
  const inner = fields[i++];
  // Elements follow one another: the issuer starts where the signature field ends.
  const issuerStart = inner?.end ?? 0;
  const issuer = fields[i++];
  const thisUpdate = fields[i++];
  if (!inner || inner.tag !== TAG.SEQUENCE || !issuer || issuer.tag !== TAG.SEQUENCE || !thisUpdate) {
    throw new DerError('TBSCertList: missing signature, issuer or thisUpdate');
  }
  let nextUpdate: Tlv | null = null;
  if (fields[i]?.tag === TAG.UTC_TIME || fields[i]?.tag === TAG.GENERALIZED_TIME) nextUpdate = fields[i++]!;
  let revoked: Tlv | null = null;
  if (fields[i]?.tag === TAG.SEQUENCE) revoked = fields[i++]!;
  let extensions = new Map<string, Extension>();
  if (fields[i]?.tag === ctx(0, true)) extensions = readExtensions(der, fields[i++]!);
  if (i !== fields.length)
    throw new DerError(`TBSCertList: unexpected element with tag 0x${fields[i]!.tag.toString(16)}`);
  return {
    der,
    tbs: der.subarray(outer.body, tbsEl.end),
    signatureOid: firstOid(der, algEl, 'signatureAlgorithm'),
    innerSignatureOid: firstOid(der, inner, 'signature'),
    signature: der.subarray(sigEl.body + 1, sigEl.end),
    issuer: der.subarray(issuerStart, issuer.end),
    thisUpdate: new Date(readTime(der, thisUpdate, 'thisUpdate')),
    nextUpdate: nextUpdate ? new Date(readTime(der, nextUpdate, 'nextUpdate')) : null,
    revoked,
    extensions,
  };
}

/** Checks every entry's structure once (serial, date, extensions) and counts them. Throws DerError. */
export function checkEntries(der: Uint8Array, revoked: Tlv | null): number {
  if (!revoked) return 0;
  let n = 0;
  for (let off = revoked.body; off < revoked.end; n++) {
    const entry = expectTlv(der, off, TAG.SEQUENCE, revoked.end, `revoked entry ${n}`);
    const serial = expectTlv(der, entry.body, TAG.INTEGER, entry.end, `serial of entry ${n}`);
    if (serial.end === serial.body) throw new DerError(`serial of entry ${n}: empty INTEGER`);
    const date = readTlv(der, serial.end, entry.end);
    if (date.tag !== TAG.UTC_TIME && date.tag !== TAG.GENERALIZED_TIME) {
      throw new DerError(`revocationDate of entry ${n}: not a Time`);
    }
    if (date.end < entry.end) expectTlv(der, date.end, TAG.SEQUENCE, entry.end, `extensions of entry ${n}`);
    off = entry.end;
  }
  return n;
}

export interface CrlEntry {
  at: string | null;
  reason: string | null;
}

/** The entry for a serial (hex), or null; entries must have passed checkEntries. */
export function findSerial(der: Uint8Array, revoked: Tlv | null, serialHex: string): CrlEntry | null {
  if (!revoked) return null;
  const want = Buffer.from(serialHex.length % 2 ? `0${serialHex}` : serialHex, 'hex');
  const wantStart = leadingZeros(want, 0, want.length);
  const wantLen = want.length - wantStart;
  for (let off = revoked.body; off < revoked.end; ) {
    const entry = readTlv(der, off, revoked.end);
    const serial = readTlv(der, entry.body, entry.end);
    const start = leadingZeros(der, serial.body, serial.end);
    if (serial.end - start === wantLen && sameBytes(der, start, want, wantStart, wantLen))
      return entryAt(der, serial, entry);
    off = entry.end;
  }
  return null;
}

function entryAt(der: Uint8Array, serial: Tlv, entry: Tlv): CrlEntry {
  const date = readTlv(der, serial.end, entry.end);
  let reason: string | null = null;
  if (date.end < entry.end) {
    try {
      const seq = readTlv(der, date.end, entry.end);
      const ext = readExtensions(der, { tag: 0, body: date.end, end: seq.end }).get(id_ce_cRLReasons);
      if (ext) {
        const v = ext.value;
        const code = v.tag === ENUMERATED && v.end - v.body === 1 ? der[v.body]! : -1;
        reason = REASONS[code] ?? (code < 0 ? 'unparsable reason' : `reason ${code}`);
      }
    } catch {
      reason = 'unparsable reason';
    }
  }
  let at: string | null = null;
  try {
    at = readTime(der, date, 'revocationDate');
  } catch {
    at = null;
  }
  return { at, reason };
}

function leadingZeros(buf: Uint8Array, from: number, end: number): number {
  let i = from;
  while (i < end - 1 && buf[i] === 0) i++;
  return i;
}

function sameBytes(a: Uint8Array, aFrom: number, b: Uint8Array, bFrom: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}

function firstOid(der: Uint8Array, seq: Tlv, what: string): string {
  const first = children(der, seq)[0];
  if (!first) throw new DerError(`${what}: empty AlgorithmIdentifier`);
  return readOid(der, first, what);
}
