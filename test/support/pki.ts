/**
 * Test PKI factory: a declarative spec in, real certificates and keys out, minted at test time with
 * WebCrypto + @peculiar/x509. No certificate is checked in (house style rule 20).
 */
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import { parseCert } from '../../src/probe/certinfo.js';
import type { CertInfo } from '../../src/probe/types.js';
import * as x509 from '../../src/probe/x509.js';

const subtle = webcrypto.subtle;

export type KeySpec =
  | { type: 'rsa'; bits: number }
  | { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' }
  | { type: 'ed25519' };
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface CertSpec {
  subject: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
  key?: KeySpec;
  /** digest of this certificate's signature (made with the issuer's key) */
  signatureHash?: HashName;
  ca?: boolean;
  pathLength?: number;
  /** names as in RFC 5280 (digitalSignature, keyCertSign, …); null omits the extension */
  keyUsage?: string[] | null;
  /** OIDs or names (serverAuth, clientAuth, codeSigning, emailProtection); null omits the extension */
  extKeyUsage?: string[] | null;
  /** one caIssuers URL, or several (in order) */
  aiaIssuerUrl?: string | string[];
  ocspUrl?: string;
  crlUrl?: string;
  mustStaple?: boolean;
  omitSan?: boolean;
  /** omit basicConstraints entirely */
  omitBasicConstraints?: boolean;
  serial?: string;
  /** flip a bit in the signature so it no longer verifies */
  badSignature?: boolean;
  /** use this key pair instead of a fresh one (a cross-signed twin of another CA) */
  reuseKeys?: CryptoKeyPair;
}

export interface Issued {
  der: Uint8Array;
  pem: string;
  /** PKCS#8 PEM of the private key */
  keyPem: string;
  info: CertInfo;
  spec: CertSpec;
  /** internal: for signing children */
  keys: CryptoKeyPair;
  cert: x509.X509Certificate;
}

export interface ChainSpec {
  root?: Partial<CertSpec>;
  /** default: one intermediate */
  intermediates?: Partial<CertSpec>[];
  leaf?: Partial<CertSpec>;
}

export interface Chain {
  root: Issued;
  intermediates: Issued[];
  leaf: Issued;
  /** leaf + intermediates (no root), what a well-configured server sends */
  fullchainPem: string;
}

const DAY = 86_400_000;
const KU: Record<string, number> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
};
const EKU_NAMES: Record<string, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

const keyCache = new Map<string, CryptoKeyPair[]>();

function keyAlgorithm(key: KeySpec): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | { name: string } {
  if (key.type === 'rsa') {
    return {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: key.bits,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
  }
  if (key.type === 'ec') return { name: 'ECDSA', namedCurve: key.curve };
  return { name: 'Ed25519' };
}

/** Fresh key pair; RSA keys are slow to make, so a few per size are reused across a test process. */
async function generateKeys(key: KeySpec): Promise<CryptoKeyPair> {
  const id = JSON.stringify(key);
  const pool = keyCache.get(id) ?? [];
  if (key.type === 'rsa' && pool.length >= 4) return pool[Math.floor(Math.random() * pool.length)]!;
  const pair = (await subtle.generateKey(keyAlgorithm(key) as webcrypto.RsaHashedKeyGenParams, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  pool.push(pair);
  keyCache.set(id, pool);
  return pair;
}

function signingAlgorithm(issuerKey: CryptoKey, hash: HashName): webcrypto.Algorithm {
  const name = issuerKey.algorithm.name;
  if (name === 'ECDSA') return { name, hash } as webcrypto.EcdsaParams;
  if (name === 'Ed25519') return { name };
  return { name, hash } as webcrypto.RsaHashedImportParams;
}

/** WebCrypto binds RSA keys to one digest: re-import the private key to sign with another (SHA-1 tests). */
async function keyForHash(key: CryptoKey, hash: HashName): Promise<CryptoKey> {
  const alg = key.algorithm as webcrypto.RsaHashedKeyAlgorithm;
  if (alg.name !== 'RSASSA-PKCS1-v1_5' || alg.hash.name === hash) return key;
  const pkcs8 = await subtle.exportKey('pkcs8', key);
  return subtle.importKey('pkcs8', pkcs8, { name: alg.name, hash }, true, ['sign']);
}

function toPem(der: ArrayBuffer | Uint8Array, label: string): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

function withDefaults(spec: Partial<CertSpec>, role: 'root' | 'intermediate' | 'leaf', now: Date): CertSpec {
  const isCa = role !== 'leaf';
  return {
    subject:
      role === 'leaf' ? 'CN=localhost' : `CN=Test ${role === 'root' ? 'Root' : 'Intermediate'} CA,O=cert-doctor tests`,
    dnsNames: isCa ? undefined : ['localhost'],
    ipAddresses: isCa ? undefined : ['127.0.0.1'],
    notBefore: new Date(now.getTime() - (isCa ? 365 : 30) * DAY),
    notAfter: new Date(now.getTime() + (isCa ? 3650 : 60) * DAY),
    ca: isCa,
    keyUsage: isCa ? ['keyCertSign', 'cRLSign', 'digitalSignature'] : ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: isCa ? null : ['serverAuth'],
    ...spec,
  };
}

async function extensionsFor(spec: CertSpec, publicKey: CryptoKey, issuer?: Issued): Promise<x509.Extension[]> {
  const ext: x509.Extension[] = [];
  if (!spec.omitBasicConstraints) ext.push(new x509.BasicConstraintsExtension(!!spec.ca, spec.pathLength, true));
  if (spec.keyUsage) {
    const flags = spec.keyUsage.reduce((acc, n) => acc | (KU[n] ?? 0), 0);
    ext.push(new x509.KeyUsagesExtension(flags, true));
  }
  if (spec.extKeyUsage) ext.push(new x509.ExtendedKeyUsageExtension(spec.extKeyUsage.map((u) => EKU_NAMES[u] ?? u)));
  ext.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
  if (issuer) ext.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.cert));
  const names = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (!spec.omitSan && names.length > 0) ext.push(new x509.SubjectAlternativeNameExtension(names));
  if (spec.aiaIssuerUrl || spec.ocspUrl) {
    ext.push(new x509.AuthorityInfoAccessExtension({ caIssuers: spec.aiaIssuerUrl, ocsp: spec.ocspUrl }));
  }
  if (spec.crlUrl) ext.push(new x509.CRLDistributionPointsExtension([spec.crlUrl]));
  // RFC 7633 TLS Feature: SEQUENCE { INTEGER 5 (status_request) }
  if (spec.mustStaple) ext.push(new x509.Extension('1.3.6.1.5.5.7.1.24', false, new Uint8Array([0x30, 3, 2, 1, 5])));
  return ext;
}

/** Mint one certificate. Without an issuer it is self-signed. */
export async function makeCert(spec: CertSpec, issuer?: Issued): Promise<Issued> {
  const keys = spec.reuseKeys ?? (await generateKeys(spec.key ?? { type: 'ec', curve: 'P-256' }));
  const signer = issuer?.keys ?? keys;
  const signingKey = await keyForHash(signer.privateKey, spec.signatureHash ?? 'SHA-256');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber:
      spec.serial ??
      Buffer.from(webcrypto.getRandomValues(new Uint8Array(12)))
        .toString('hex')
        .replace(/^[89a-f]/, '1'),
    subject: spec.subject,
    issuer: issuer ? issuer.cert.subject : spec.subject,
    notBefore: spec.notBefore ?? new Date(Date.now() - DAY),
    notAfter: spec.notAfter ?? new Date(Date.now() + 60 * DAY),
    signingAlgorithm: signingAlgorithm(signer.privateKey, spec.signatureHash ?? 'SHA-256'),
    publicKey: keys.publicKey,
    signingKey,
    extensions: await extensionsFor(spec, keys.publicKey, issuer),
  });
  let der = new Uint8Array(cert.rawData);
  if (spec.badSignature) {
    der = der.slice();
    der[der.length - 3] = der[der.length - 3]! ^ 0x01;
  }
  const info = parseCert(der);
  if ('malformed' in info) throw new Error(`test PKI minted an unparsable certificate: ${info.error}`);
  const keyPem = toPem(await subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { der, pem: toPem(der, 'CERTIFICATE'), keyPem, info, spec, keys, cert: new x509.X509Certificate(der) };
}

/** Root → intermediates → leaf, each signed by the one before, with sensible defaults around `now`. */
export async function makeChain(spec: ChainSpec = {}, now: Date = new Date()): Promise<Chain> {
  const root = await makeCert(withDefaults(spec.root ?? {}, 'root', now));
  const intermediates: Issued[] = [];
  let issuer = root;
  const interSpecs = spec.intermediates ?? [{}];
  for (const [i, s] of interSpecs.entries()) {
    const subject = interSpecs.length > 1 ? `CN=Test Intermediate CA ${i + 1},O=cert-doctor tests` : undefined;
    const inter = await makeCert(withDefaults({ ...(subject ? { subject } : {}), ...s }, 'intermediate', now), issuer);
    intermediates.unshift(inter);
    issuer = inter;
  }
  const leaf = await makeCert(withDefaults(spec.leaf ?? {}, 'leaf', now), issuer);
  return { root, intermediates, leaf, fullchainPem: [leaf, ...intermediates].map((c) => c.pem).join('') };
}

/** PEM of several certificates, in the order given (to serve misordered or padded chains). */
export function pemOf(...certs: Issued[]): string {
  return certs.map((c) => c.pem).join('');
}
