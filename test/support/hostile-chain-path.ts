/**
 * The hostile chain of issue 7: a leaf and many same-name CA certificates whose RSA keys are random
 * moduli with huge public exponents (~5 ms per verification each in OpenSSL). Built by splicing a hand-made
 * SubjectPublicKeyInfo into a real CA certificate minted by the test PKI; signatures need not verify.
 */
import { randomBytes } from 'node:crypto';
import { children, readTlv } from '../../src/probe/der-reader.js';
import { type Issued, makeCert, pemOf } from './pki.js';

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), len(body.length), body]);

/** A positive INTEGER of exactly `bits` bits, odd. */
function randomInteger(bits: number): Buffer {
  const b = randomBytes(Math.ceil(bits / 8));
  const top = bits % 8 === 0 ? 8 : bits % 8;
  b[0] = (b[0]! & ((1 << top) - 1)) | (1 << (top - 1));
  b[b.length - 1]! |= 1;
  return tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

/** RSA SubjectPublicKeyInfo (RFC 3279 §2.3.1) with the given modulus and exponent sizes. */
export function rsaSpki(modulusBits: number, exponentBits: number): Buffer {
  const alg = tlv(
    0x30,
    Buffer.concat([tlv(0x06, Buffer.from('2a864886f70d010101', 'hex')), Buffer.from([0x05, 0x00])]),
  );
  const key = tlv(0x30, Buffer.concat([randomInteger(modulusBits), randomInteger(exponentBits)]));
  return tlv(0x30, Buffer.concat([alg, tlv(0x03, Buffer.concat([Buffer.from([0]), key]))]));
}

/** `cert` with its SubjectPublicKeyInfo replaced (the signature is left as it was). */
export function withSpki(cert: Uint8Array, spki: Buffer): Buffer {
  const der = Buffer.from(cert);
  const outer = readTlv(der, 0);
  const [tbs, ...rest] = children(der, outer);
  const fields = children(der, tbs!);
  const at = fields[0]!.tag === 0xa0 ? 6 : 5;
  const body = Buffer.concat(fields.map((f, i) => (i === at ? spki : der.subarray(f.body - headerLength(f), f.end))));
  const tail = rest.map((f) => der.subarray(f.body - headerLength(f), f.end));
  return tlv(0x30, Buffer.concat([tlv(0x30, body), ...tail]));
}

/** Bytes of tag + length before a TLV body: DER lengths are minimal, so they follow from the body size. */
function headerLength(f: { body: number; end: number }): number {
  return 1 + len(f.end - f.body).length;
}

export interface HostileChain {
  leaf: Issued;
  /** PEM: the leaf then `count` same-name CA certificates with absurd keys */
  certPem: string;
  cas: Buffer[];
}

export async function hostileChain(count = 75, exponentBits = 3070): Promise<HostileChain> {
  const ca = await makeCert({ subject: 'CN=Hostile CA', ca: true, key: { type: 'rsa', bits: 2048 } });
  const leaf = await makeCert({ subject: 'CN=hostile.test', dnsNames: ['hostile.test', 'localhost'] }, ca);
  const cas = Array.from({ length: count }, () => withSpki(ca.der, rsaSpki(3072, exponentBits)));
  const pem = (der: Buffer) =>
    `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  return { leaf, cas, certPem: pemOf(leaf) + cas.map(pem).join('') };
}
