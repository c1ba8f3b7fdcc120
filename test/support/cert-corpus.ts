/**
 * Certificates for the parseCert differential test and benchmark: fast-check-chosen test-PKI specs,
 * a few hand-made certificates with the extensions the PKI factory does not emit (policies, name
 * constraints, every GeneralName type, odd Name encodings, far-off validity), and the Mozilla roots.
 */
import { webcrypto } from 'node:crypto';
import tls from 'node:tls';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1 from '@peculiar/asn1-x509';
import fc from 'fast-check';
import * as x509 from '../../src/probe/x509.js';
import type { CertSpec, KeySpec } from './pki.js';

/** DER of every certificate in Node's bundled Mozilla root store. */
export function rootBundle(): Uint8Array[] {
  return tls.rootCertificates.map((pem) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s+/g, ''), 'base64'));
}

const keyArb: fc.Arbitrary<KeySpec> = fc.constantFrom<KeySpec>(
  { type: 'rsa', bits: 2048 },
  { type: 'ec', curve: 'P-256' },
  { type: 'ec', curve: 'P-384' },
  { type: 'ec', curve: 'P-521' },
  { type: 'ed25519' },
);
const dnsArb = fc.tuple(fc.domain(), fc.boolean()).map(([d, upper]) => (upper ? d.toUpperCase() : d));
const ipv6Arb = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
  .map((g) => g.map((x) => x.toString(16)).join(':'));
const urlArb = fc.webUrl({ withQueryParameters: true });
const KU = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement'];

/** A test-PKI spec: key type, SANs (IPv4 and IPv6), EKUs, CA/pathLen, AIA/OCSP/CRL URLs, must-staple. */
export const specArb: fc.Arbitrary<CertSpec> = fc.record(
  {
    subject: fc.oneof(
      dnsArb.map((d) => `CN=${d}`),
      fc.constantFrom('CN=Test\\, Inc.,O=A+B,C=US', 'CN=x,OU=Ops,O=Example,L=Berlin,ST=BE,C=DE', 'O=No CN'),
    ),
    key: keyArb,
    dnsNames: fc.array(dnsArb, { maxLength: 6 }),
    ipAddresses: fc.array(fc.oneof(fc.ipV4(), ipv6Arb), { maxLength: 3 }),
    signatureHash: fc.constantFrom('SHA-256' as const, 'SHA-384' as const, 'SHA-1' as const),
    ca: fc.boolean(),
    pathLength: fc.integer({ min: 0, max: 5 }),
    keyUsage: fc.option(fc.subarray([...KU, 'keyCertSign', 'cRLSign']), { nil: null }),
    extKeyUsage: fc.option(fc.subarray(['serverAuth', 'clientAuth', 'codeSigning', '1.3.6.1.5.5.7.3.8']), {
      nil: null,
    }),
    aiaIssuerUrl: urlArb,
    ocspUrl: urlArb,
    crlUrl: urlArb,
    mustStaple: fc.boolean(),
    omitSan: fc.boolean(),
    omitBasicConstraints: fc.boolean(),
  },
  { requiredKeys: ['subject', 'key'] },
);

const raw = (oid: string, value: object) => new x509.Extension(oid, false, AsnConvert.serialize(value));
const der = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));

/** Extensions and names the PKI factory does not make, one certificate per case. */
function extraCases(): { subject: string | x509.JsonName; ext: x509.Extension[]; notBefore?: Date; notAfter?: Date }[] {
  const manySans = Array.from({ length: 150 }, (_, i) => ({ type: 'dns' as const, value: `h${i}.Example.test` }));
  const odd = [
    { type: 'email' as const, value: 'ops@example.test' },
    { type: 'url' as const, value: 'https://example.test/x' },
    { type: 'dn' as const, value: 'CN=inner, O=Org' },
    { type: 'id' as const, value: '1.2.3.4.5' },
    { type: 'upn' as const, value: 'user@corp.test' },
    { type: 'guid' as const, value: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0' },
    { type: 'ip' as const, value: '2001:db8::1' },
    { type: 'ip' as const, value: '::' },
    { type: 'ip' as const, value: '10.0.0.0/8' },
    { type: 'ip' as const, value: '2001:db8:0:0:1:0:0:1' },
  ];
  const nameConstraints = new asn1.NameConstraints({
    permittedSubtrees: new asn1.GeneralSubtrees([
      new asn1.GeneralSubtree({ base: new asn1.GeneralName({ dNSName: '.example.test' }) }),
    ]),
  });
  return [
    { subject: 'CN=many', ext: [new x509.SubjectAlternativeNameExtension(manySans)] },
    { subject: 'CN=odd names', ext: [new x509.SubjectAlternativeNameExtension(odd)] },
    {
      subject: 'CN=policies',
      ext: [
        new x509.CertificatePolicyExtension(['2.23.140.1.2.1', '1.3.6.1.4.1.44947.1.1.1']),
        raw('2.5.29.30', nameConstraints),
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.encipherOnly | x509.KeyUsageFlags.decipherOnly, true),
        new x509.AuthorityInfoAccessExtension({
          caIssuers: ['http://a.test/ca.der', 'http://b.test/ca.der'],
          ocsp: ['http://ocsp.test'],
          caRepository: 'http://repo.test',
        }),
        new x509.CRLDistributionPointsExtension(['http://crl1.test/a.crl', 'http://crl2.test/b.crl']),
        // AuthorityKeyIdentifier with only a serial; TLS Feature with status_request and status_request_v2
        new x509.Extension('2.5.29.35', false, der('30 03 82 01 05')),
        new x509.Extension('1.3.6.1.5.5.7.1.24', false, der('30 06 02 01 11 02 01 05')),
      ],
    },
    {
      subject:
        'CN=Multi+0.9.2342.19200300.100.1.1=7, O=Comma\\, Inc., OU=\\#hash, OU=\\ lead, E=ops@example.test, DC=example, DC=test',
      ext: [],
      notBefore: new Date('1965-03-01T00:00:00Z'),
      notAfter: new Date('2061-01-01T12:34:56Z'),
    },
    {
      subject: [{ CN: [{ bmpString: 'Bmp Ünïcode' }], O: [{ utf8String: 'Grüße ✓' }] }] as unknown as x509.JsonName,
      ext: [],
    },
    { subject: 'CN=no extensions', ext: [] },
  ];
}

/** Self-signed P-256 certificates for extraCases(). */
export async function extraCerts(): Promise<Uint8Array[]> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const out: Uint8Array[] = [];
  for (const c of extraCases()) {
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '00ff01',
      name: c.subject,
      notBefore: c.notBefore ?? new Date('2025-01-01T00:00:00Z'),
      notAfter: c.notAfter ?? new Date('2026-01-01T00:00:00Z'),
      signingAlgorithm: alg,
      keys,
      extensions: c.ext,
    });
    out.push(new Uint8Array(cert.rawData));
  }
  return out;
}
