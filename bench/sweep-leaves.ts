/**
 * One leaf certificate per watched name for the sweep bench, fast enough for 10,000: every name's check then
 * parses and verifies a certificate of its own, as a real sweep does (one shared wildcard leaf made
 * certinfo.ts parseCert's DER memo hit on every check). The test PKI (test/support/pki.ts, @peculiar/x509)
 * takes ~8 ms a certificate; here the TBSCertificate is DER-encoded directly and signed with node:crypto
 * (~0.1 ms). One EC P-256 key serves every leaf (its SPKI and subject key identifier are shared, as on a host
 * with many names); serial, subject, SAN and validity differ per name. The leaves alternate between two
 * intermediates under one root, as a CA's issuing intermediates do.
 */
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { type Issued, makeCert, makeChain } from '../test/support/pki.js';

const DAY = 86_400_000;

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const oid = (hex: string) => Buffer.from(hex, 'hex');
/** ecdsa-with-SHA256 (RFC 5758 §3.2), parameters absent */
const ECDSA_SHA256 = seq(oid('06082a8648ce3d040302'));

function utcTime(d: Date): Buffer {
  const iso = d.toISOString();
  const t = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return tlv(0x17, Buffer.from(t, 'latin1'));
}

function extension(oidDer: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(oidDer), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), tlv(0x04, value));
}

/** The subject Name of a certificate, as its DER bytes (the issuer field of what it signs must match them). */
function subjectDer(der: Uint8Array): Buffer {
  return Buffer.from(AsnConvert.serialize(AsnConvert.parse(der, Certificate).tbsCertificate.subject));
}

function subjectKeyId(der: Uint8Array): Buffer {
  const spki = AsnConvert.parse(der, Certificate).tbsCertificate.subjectPublicKeyInfo;
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

function pem(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
}

interface Issuer {
  issued: Issued;
  subject: Buffer;
  keyId: Buffer;
  key: KeyObject;
}

export interface LeafFactory {
  rootPem: string;
  /** the shared leaf key, PKCS#8 PEM */
  keyPem: string;
  /** leaf for `names` (the first is its CN) + its intermediate, as a well-configured server sends them */
  chainPemFor(names: string | string[], i: number): string;
}

export async function leafFactory(now = new Date()): Promise<LeafFactory> {
  const chain = await makeChain({ intermediates: [{ subject: 'CN=Bench Issuing CA 1,O=cert-doctor bench' }] }, now);
  const second = await makeCert(
    {
      subject: 'CN=Bench Issuing CA 2,O=cert-doctor bench',
      ca: true,
      keyUsage: ['keyCertSign', 'cRLSign', 'digitalSignature'],
      extKeyUsage: null,
      notBefore: new Date(now.getTime() - 365 * DAY),
      notAfter: new Date(now.getTime() + 3650 * DAY),
    },
    chain.root,
  );
  const issuers: Issuer[] = [chain.intermediates[0]!, second].map((issued) => ({
    issued,
    subject: subjectDer(issued.der),
    keyId: subjectKeyId(issued.der),
    key: KeyObject.from(issued.keys.privateKey),
  }));
  const leafKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = leafKey.publicKey.export({ type: 'spki', format: 'der' });
  const leafKeyId = createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
  const fixedExtensions = [
    extension('0603551d13', true, seq()), // basicConstraints: not a CA (RFC 5280 §4.2.1.9)
    extension('0603551d0f', true, Buffer.from('03020780', 'hex')), // keyUsage: digitalSignature
    extension('0603551d25', false, seq(oid('06082b06010505070301'))), // extKeyUsage: serverAuth
    extension('0603551d0e', false, tlv(0x04, leafKeyId)),
  ];
  return {
    rootPem: chain.root.pem,
    keyPem: leafKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    chainPemFor(names, i) {
      const all = typeof names === 'string' ? [names] : names;
      const issuer = issuers[i % issuers.length]!;
      const serial = randomBytes(16);
      serial[0] = (serial[0]! & 0x7f) | 0x01;
      const cn = seq(tlv(0x31, seq(oid('0603550403'), tlv(0x0c, Buffer.from(all[0]!)))));
      const tbs = seq(
        tlv(0xa0, tlv(0x02, Buffer.from([2]))),
        tlv(0x02, serial),
        ECDSA_SHA256,
        issuer.subject,
        // 60 to 89 days left: no reminder is owed (thresholds start at 30), and the expiries differ
        seq(utcTime(new Date(now.getTime() - DAY)), utcTime(new Date(now.getTime() + (60 + (i % 30)) * DAY))),
        cn,
        spki,
        tlv(
          0xa3,
          seq(
            ...fixedExtensions,
            extension('0603551d23', false, seq(tlv(0x80, issuer.keyId))),
            extension('0603551d11', false, seq(...all.map((n) => tlv(0x82, Buffer.from(n))))),
          ),
        ),
      );
      const signature = sign('sha256', tbs, issuer.key);
      const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature));
      return pem(der) + issuer.issued.pem;
    },
  };
}
