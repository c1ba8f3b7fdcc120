/**
 * Trust anchors as PEM text and index entries, without the built-in stores (trust.ts): what a one-shot check
 * needs to validate its --ca bundles before it connects (src/cli-preconnect.ts), without loading node:tls.
 */
import { createHash } from 'node:crypto';
import { isMalformed, parseCert } from './certinfo.js';
import { InputError, quote } from './errors.js';
import { nameTlvs, normalizeName } from './name-normalize.js';
import type { CertInfo } from './types.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/=\s]*$/;

/**
 * Every `CERTIFICATE` block of a PEM text (RFC 7468 §5), decoded. Other block types are skipped.
 * Throws InputError when a certificate block's body is not base64; callers name the source.
 */
export function pemToDer(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [, label, body] of pem.matchAll(PEM_BLOCK)) {
    if (label !== 'CERTIFICATE' && label !== 'X509 CERTIFICATE' && label !== 'TRUSTED CERTIFICATE') continue;
    if (!BASE64_BODY.test(body!)) throw new InputError(`PEM block "${label}" is not base64`);
    out.push(new Uint8Array(Buffer.from(body!.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

/** An anchor as loaded: hashed and name-indexed up front, fully parsed only when it is a candidate. */
export interface Entry {
  der: Uint8Array;
  sha256: string;
  subjectKey: string;
  info?: CertInfo | null;
}

function toEntry(der: Uint8Array, sha256: string): Entry | null {
  let subjectKey: string;
  try {
    subjectKey = normalizeName(der, nameTlvs(der).subject);
  } catch {
    return null;
  }
  return { der, sha256, subjectKey };
}

/**
 * Entries for `ders`, leaving out certificates already in `known` (SHA-256): the OS bundle repeats most of the
 * bundled Mozilla roots (122 of 144 on Debian), and the index keeps a certificate's first store anyway
 * (AnchorIndex.add), so a repeat is hashed but never name-normalised (the bulk of indexing's CPU).
 */
export function toEntries(ders: Uint8Array[], known: ReadonlySet<string> = new Set()): Entry[] {
  const out: Entry[] = [];
  for (const der of ders) {
    const sha256 = createHash('sha256').update(der).digest('hex');
    if (known.has(sha256)) continue;
    const entry = toEntry(der, sha256);
    if (entry) out.push(entry);
  }
  return out;
}

export const shasOf = (entries: Entry[]): Set<string> => new Set(entries.map((e) => e.sha256));

export function entryInfo(entry: Entry): CertInfo | null {
  if (entry.info === undefined) {
    const parsed = parseCert(entry.der);
    entry.info = isMalformed(parsed) ? null : parsed;
  }
  return entry.info;
}

/**
 * The entries of an extra PEM bundle (--ca, CERT_DOCTOR_CA; `index` numbers it in messages). Throws InputError
 * for a bundle that holds no certificate or one that does not parse.
 */
export function customAnchors(pem: string, index: number): Entry[] {
  const name = `CA bundle #${index + 1} (${quote(pem.trim().split('\n')[0] ?? '', 40)})`;
  let ders: Uint8Array[];
  try {
    ders = pemToDer(pem);
  } catch (err) {
    throw new InputError(`${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (ders.length === 0) throw new InputError(`${name}: no PEM CERTIFICATE block found`);
  const entries = toEntries(ders);
  const bad = ders.length - entries.filter((e) => entryInfo(e) !== null).length;
  if (bad > 0) throw new InputError(`${name}: ${bad} of ${ders.length} certificate(s) could not be parsed`);
  return entries;
}
