import { X509Certificate as NodeX509 } from 'node:crypto';
import { rawNames } from './der-names.js';
import { ProbeError } from './errors.js';
import { pemToDer } from './trust.js';
import * as x509 from './x509.js';

const PKCS7_PEM = /-----BEGIN (PKCS7|CMS|PKCS #7 SIGNED DATA)-----[\s\S]*?-----END \1-----/g;

/**
 * The certificates in an AIA caIssuers response. RFC 5280 §4.2.2.1 says the body is a single DER
 * certificate (application/pkix-cert) or a certs-only CMS SignedData (application/pkcs7-mime); servers
 * also send PEM, so the content type is ignored and the bytes decide. Throws ProbeError 'malformed'.
 */
export function parseAiaBody(body: Uint8Array): Uint8Array[] {
  const ders = looksLikePem(body) ? fromPem(Buffer.from(body).toString('latin1')) : fromDer(body);
  const valid = ders.filter(isCertificate);
  if (valid.length === 0) {
    throw new ProbeError('malformed', `malformed: response of ${body.length} bytes holds no parsable certificate`);
  }
  return valid;
}

function looksLikePem(body: Uint8Array): boolean {
  return Buffer.from(body.subarray(0, 4096)).toString('latin1').includes('-----BEGIN ');
}

function fromPem(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  try {
    out.push(...pemToDer(text));
  } catch {
    // a broken CERTIFICATE block leaves the others usable
  }
  for (const [block] of text.matchAll(PKCS7_PEM)) out.push(...fromPkcs7(block));
  return out;
}

/** A certificate's second element is the tbsCertificate SEQUENCE; a CMS ContentInfo's is an OID. */
function fromDer(body: Uint8Array): Uint8Array[] {
  return rawNames(body) ? [body] : fromPkcs7(body);
}

/** OpenSSL's parse is a cheap validity check (~0.1 ms); the chain builder does the full parse once. */
function isCertificate(der: Uint8Array): boolean {
  try {
    new NodeX509(der);
    return true;
  } catch {
    return false;
  }
}

function fromPkcs7(data: Uint8Array | string): Uint8Array[] {
  try {
    const certs = new x509.X509Certificates(typeof data === 'string' ? data : Buffer.from(data));
    return certs.map((c) => new Uint8Array(c.rawData));
  } catch {
    return [];
  }
}
