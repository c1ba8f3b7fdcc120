/**
 * What a certificate file holds, whatever its format: PEM (any number of blocks, in file order), DER,
 * PKCS#7 / CMS certs-only (.p7b, .p7c; RFC 5652) and PKCS#12 (.pfx, .p12; RFC 7292, in pkcs12.ts). The
 * bytes decide, not the file name. Private keys are kept only as Node KeyObjects, for `--key` matching.
 */
import { createPrivateKey, type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { rawNames } from '../probe/der-names.js';
import { InputError, quote } from '../probe/errors.js';
import * as x509 from '../probe/x509.js';
import { isPkcs12, readPkcs12 } from './pkcs12.js';

export type InputFormat = 'pem' | 'der' | 'pkcs7' | 'pkcs12' | 'key';

export interface Decoded {
  format: InputFormat;
  /** certificates in file order */
  certs: Uint8Array[];
  keys: KeyObject[];
}

const BLOCK = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/g;
const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);
const P7_LABELS = new Set(['PKCS7', 'CMS', 'PKCS #7 SIGNED DATA']);
const KEY_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']);

export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 64 * 1024))
    .toString('latin1')
    .includes('-----BEGIN ');
}

/** Decode one input; `password` is used for PKCS#12 only. Throws InputError naming the input. */
export function decodeInput(bytes: Uint8Array, name: string, password: string | null): Decoded {
  if (looksLikePem(bytes)) return fromPem(Buffer.from(bytes).toString('latin1'), name);
  if (rawNames(bytes)) return { format: 'der', certs: [bytes], keys: [] };
  const p7 = fromPkcs7(bytes);
  if (p7.length > 0) return { format: 'pkcs7', certs: p7, keys: [] };
  if (isPkcs12(bytes)) return { format: 'pkcs12', ...readPkcs12(bytes, name, password) };
  const key = tryKey(bytes);
  if (key) return { format: 'key', certs: [], keys: [key] };
  throw new InputError(`${quote(name)}: not a certificate file (PEM, DER, PKCS#7 or PKCS#12), ${bytes.length} bytes`);
}

function fromPem(text: string, name: string): Decoded {
  const out: Decoded = { format: 'pem', certs: [], keys: [] };
  for (const [block, label, body] of text.matchAll(BLOCK)) {
    const der = Buffer.from(body!.replace(/\s+/g, ''), 'base64');
    if (CERT_LABELS.has(label!)) out.certs.push(new Uint8Array(der));
    else if (P7_LABELS.has(label!)) out.certs.push(...fromPkcs7(block));
    else if (KEY_LABELS.has(label!)) out.keys.push(pemKey(block, name));
    else if (label === 'ENCRYPTED PRIVATE KEY')
      throw new InputError(
        `${quote(name)}: the private key is encrypted; decrypt it first (openssl pkey -in KEY -out plain.key)`,
      );
  }
  if (out.certs.length === 0 && out.keys.length === 0)
    throw new InputError(`${quote(name)}: no PEM CERTIFICATE, PKCS7 or PRIVATE KEY block found`);
  return out;
}

function pemKey(block: string, name: string): KeyObject {
  try {
    return createPrivateKey(block);
  } catch (err) {
    throw new InputError(
      `${quote(name)}: unreadable private key (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function tryKey(der: Uint8Array): KeyObject | null {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: Buffer.from(der), format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  return null;
}

function fromPkcs7(data: Uint8Array | string): Uint8Array[] {
  try {
    const certs = new x509.X509Certificates(typeof data === 'string' ? data : Buffer.from(data));
    return certs.map((c) => new Uint8Array(c.rawData)).filter(isCertificate);
  } catch {
    return [];
  }
}

function isCertificate(der: Uint8Array): boolean {
  try {
    new NodeX509(der);
    return true;
  } catch {
    return false;
  }
}
