/**
 * The chain that froze the bot (issue 7): a leaf and 75 CA certificates that all carry the leaf's issuer
 * name and key id, each with a random 3072-bit RSA modulus and a ~3070-bit public exponent (~100 KB in
 * all, under OpenSSL's limits: it refuses big exponents only above 3072-bit moduli). A path walker that
 * verifies every candidate at every depth spends ~5 ms of CPU per verification. Built at test time from a
 * real test CA with its key swapped (node:crypto random bytes, @peculiar/asn1-x509); cached per process.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { type Chain, makeChain } from './pki.js';

export interface HostileChain {
  chain: Chain;
  /** leaf first, then the 75 same-name CA certificates, PEM */
  servedPem: string;
  /** the same as DER, for hand-made TLS flights */
  ders: Buffer[];
}

export const HOSTILE_CA_COUNT = 75;
const AKI_OID = '2.5.29.35';

export interface HostileOptions {
  /** same-name CA certificates after the leaf; default 75 */
  count?: number;
  /** public exponent size of each CA key; default 3070 (17 gives ordinary-cost keys: the caps alone bound the walk) */
  exponentBits?: number;
}

const cached = new Map<string, Promise<HostileChain>>();

export function hostileChain(opts: HostileOptions = {}): Promise<HostileChain> {
  const count = opts.count ?? HOSTILE_CA_COUNT;
  const exponentBits = opts.exponentBits ?? 3070;
  const key = `${count}:${exponentBits}`;
  const chain = cached.get(key) ?? build(count, exponentBits);
  cached.set(key, chain);
  return chain;
}

async function build(count: number, exponentBits: number): Promise<HostileChain> {
  const chain = await makeChain({ intermediates: [{ subject: 'CN=Hostile Issuing CA,O=cert-doctor tests' }] });
  const issuer = chain.intermediates[0]!;
  const template = AsnConvert.parse(Buffer.from(issuer.der), Certificate);
  const ders: Buffer[] = [Buffer.from(chain.leaf.der)];
  for (let i = 0; i < count; i++) {
    const cert = AsnConvert.parse(Buffer.from(issuer.der), Certificate);
    cert.tbsCertificate.serialNumber = new Uint8Array([0x01, ...randomBytes(15)]).buffer;
    cert.tbsCertificate.subjectPublicKeyInfo = rsaSpki(3072, exponentBits);
    // self-issued under the same name, no authority key id: each one is a candidate issuer of every other
    cert.tbsCertificate.issuer = cert.tbsCertificate.subject;
    cert.tbsCertificate.extensions = cert.tbsCertificate.extensions?.filter((e) => e.extnID !== AKI_OID) as never;
    // the template's signature no longer matches: a verifier only learns that after the expensive step
    cert.signatureValue = template.signatureValue;
    ders.push(Buffer.from(AsnConvert.serialize(cert)));
  }
  const servedPem = ders.map(toPem).join('');
  return { chain, servedPem, ders };
}

/** An rsaEncryption SubjectPublicKeyInfo with a random odd modulus and exponent of these sizes. */
function rsaSpki(modulusBits: number, exponentBits: number): SubjectPublicKeyInfo {
  const jwk = {
    kty: 'RSA',
    n: randomOdd(modulusBits).toString('base64url'),
    e: randomOdd(exponentBits).toString('base64url'),
  };
  const der = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  return AsnConvert.parse(der, SubjectPublicKeyInfo);
}

function randomOdd(bits: number): Buffer {
  const b = randomBytes(Math.ceil(bits / 8));
  const topBits = bits % 8 || 8;
  b[0] = (b[0]! & ((1 << topBits) - 1)) | (1 << (topBits - 1));
  b[b.length - 1]! |= 1;
  return b;
}

function toPem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}
