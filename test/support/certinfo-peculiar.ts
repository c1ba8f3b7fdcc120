/**
 * The @peculiar/x509-based CertInfo extraction that src/probe/certinfo.ts used before it read the DER
 * itself, kept as the oracle for the differential test (test/certinfo-diff.test.ts). Test-only: production
 * has one path.
 */
import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import { SIGNATURE_ALGORITHMS, verifiesWith } from '../../src/probe/certinfo.js';
import { rawNames, signatureAlgorithmOid } from '../../src/probe/der-names.js';
import type { CertInfo, KeyAlgorithm, SentCert } from '../../src/probe/types.js';
import * as x509 from '../../src/probe/x509.js';

/** The old parseCert without its memo: CertInfo, or MalformedCert when either parser throws. */
export function parseCertPeculiar(der: Uint8Array): SentCert {
  try {
    return describe(Buffer.from(der));
  } catch (err) {
    const b64 = Buffer.from(der).toString('base64');
    return { malformed: true, der: b64, error: err instanceof Error ? err.message : String(err) };
  }
}

/** RFC 7633 TLS Feature extension; value SEQUENCE OF INTEGER, 5 = status_request (must-staple). */
const TLS_FEATURE_OID = '1.3.6.1.5.5.7.1.24';

const KEY_USAGE_NAMES: [number, string][] = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
  [x509.KeyUsageFlags.encipherOnly, 'encipherOnly'],
  [x509.KeyUsageFlags.decipherOnly, 'decipherOnly'],
];

function describe(der: Buffer): CertInfo {
  const cert = new x509.X509Certificate(der);
  const node = new NodeX509(der);
  // Read from the DER directly: a full ASN.1 re-parse costs milliseconds per certificate.
  const sigOid = signatureAlgorithmOid(der) ?? 'unknown';
  const names = rawNames(der);
  const sig = SIGNATURE_ALGORITHMS[sigOid] ?? { name: sigOid, hash: null };
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const selfIssued = names !== null && names.subject === names.issuer;
  return {
    der: der.toString('base64'),
    subject: cert.subject,
    issuer: cert.issuer,
    subjectCN: cert.subjectName.getField('CN')[0] ?? null,
    issuerCN: cert.issuerName.getField('CN')[0] ?? null,
    san: subjectAltNames(cert),
    serialNumber: cert.serialNumber,
    sha256: createHash('sha256').update(der).digest('hex'),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    key: keyDetails(node),
    signatureAlgorithm: { oid: sigOid, ...sig },
    basicConstraints: bc ? { ca: bc.ca, pathLength: bc.pathLength ?? null, critical: bc.critical } : null,
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([flag]) => (ku.usages & flag) !== 0).map(([, n]) => n) : null,
    extKeyUsage: eku ? eku.usages.map(String) : null,
    subjectKeyId: cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? null,
    authorityKeyId: cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? null,
    aia: infoAccess(cert),
    crlDistributionPoints: crlUrls(cert),
    mustStaple: mustStaple(cert),
    selfIssued,
    selfSigned: selfIssued ? verifiesWith(node, node) : false,
  };
}

function subjectAltNames(cert: x509.X509Certificate): CertInfo['san'] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return null;
  const san = { dns: [] as string[], ip: [] as string[], other: [] as string[] };
  for (const name of ext.names.items) {
    if (name.type === 'dns') san.dns.push(name.value.toLowerCase());
    else if (name.type === 'ip') san.ip.push(name.value);
    else san.other.push(`${name.type}:${name.value}`);
  }
  return san;
}

function keyDetails(node: NodeX509): CertInfo['key'] {
  const key = node.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const types: Record<string, KeyAlgorithm> = {
    rsa: 'RSA',
    'rsa-pss': 'RSA',
    ec: 'EC',
    ed25519: 'Ed25519',
    ed448: 'Ed448',
    dsa: 'DSA',
  };
  const algorithm = types[key.asymmetricKeyType ?? ''] ?? 'unknown';
  const curve = details.namedCurve ?? null;
  const curveBits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256 };
  let bits: number | null = details.modulusLength ?? null;
  if (algorithm === 'EC' && curve) bits = curveBits[curve] ?? null;
  if (algorithm === 'Ed25519') bits = 256;
  if (algorithm === 'Ed448') bits = 456;
  return { algorithm, bits, curve };
}

function infoAccess(cert: x509.X509Certificate): CertInfo['aia'] {
  const ext = cert.getExtension(x509.AuthorityInfoAccessExtension);
  const urls = (names: x509.GeneralName[]) => names.filter((n) => n.type === 'url').map((n) => n.value);
  return { caIssuers: ext ? urls(ext.caIssuers) : [], ocsp: ext ? urls(ext.ocsp) : [] };
}

function crlUrls(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.CRLDistributionPointsExtension);
  if (!ext) return [];
  const out: string[] = [];
  for (const dp of ext.distributionPoints) {
    for (const gn of dp.distributionPoint?.fullName ?? []) {
      if (gn.uniformResourceIdentifier) out.push(gn.uniformResourceIdentifier);
    }
  }
  return out;
}

function mustStaple(cert: x509.X509Certificate): boolean {
  const ext = cert.extensions.find((e) => e.type === TLS_FEATURE_OID);
  if (!ext) return false;
  // SEQUENCE { INTEGER 5 }: the encoded value is 30 03 02 01 05 (possibly among other features).
  const v = Buffer.from(ext.value);
  for (let i = 0; i + 2 < v.length; i++) {
    if (v[i] === 0x02 && v[i + 1] === 0x01 && v[i + 2] === 0x05) return true;
  }
  return false;
}
