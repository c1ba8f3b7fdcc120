/**
 * Test revocation infrastructure, minted at test time: CRLs (@peculiar/x509's generator), OCSP responses
 * (@peculiar/asn1-ocsp schemas, signed with Node crypto so ECDSA signatures are DER as RFC 6960 wants), and
 * one HTTP server on loopback answering CRL and OCSP paths by prefix (GET with the request in the path, or
 * POST), recording every request. Routes can hang, delay or send oversized bodies.
 */
import { createHash, KeyObject, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BasicOCSPResponse,
  CertID,
  CertStatus,
  id_pkix_ocsp_basic,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, CRLReason } from '@peculiar/asn1-x509';
import * as x509 from '../../src/probe/x509.js';
import { type CertSpec, type Issued, makeCert } from './pki.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const REASON_CODES = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type ReasonName = keyof typeof REASON_CODES;

const asn = (c: Issued) => AsnConvert.parse(c.der, Certificate);
const sha1 = (b: ArrayBuffer | Uint8Array) =>
  createHash('sha1')
    .update(Buffer.from(b as ArrayBuffer))
    .digest();

function signatureOid(key: KeyObject): string {
  if (key.asymmetricKeyType === 'ec') return '1.2.840.10045.4.3.2';
  if (key.asymmetricKeyType === 'ed25519') return '1.3.101.112';
  return '1.2.840.113549.1.1.11';
}

function signWith(signer: Issued, data: Uint8Array): { oid: string; signature: Buffer } {
  const key = KeyObject.from(signer.keys.privateKey);
  const oid = signatureOid(key);
  return { oid, signature: sign(oid === '1.3.101.112' ? null : 'sha256', data, key) };
}

export interface OcspSpec {
  cert: Issued;
  issuer: Issued;
  status: 'good' | 'revoked' | 'unknown';
  reason?: ReasonName;
  revokedAt?: Date;
  thisUpdate?: Date;
  /** null omits nextUpdate */
  nextUpdate?: Date | null;
  /** who signs (default the issuer); a delegated responder must be in `include` */
  signer?: Issued;
  include?: Issued[];
  /** answer for this certificate's serial instead (the "wrong certificate" case) */
  serialOf?: Issued;
  /** flip a signature bit */
  badSignature?: boolean;
  /** an OCSPResponseStatus other than successful: no responseBytes */
  responseStatus?: OCSPResponseStatus;
}

/** A DER OCSPResponse (RFC 6960 §4.2.1). */
export function makeOcspResponse(spec: OcspSpec, now = new Date()): Buffer {
  if (spec.responseStatus !== undefined) {
    return Buffer.from(AsnConvert.serialize(new OCSPResponse({ responseStatus: spec.responseStatus })));
  }
  const issuer = asn(spec.issuer);
  const signer = spec.signer ?? spec.issuer;
  const certStatus =
    spec.status === 'good'
      ? new CertStatus({ good: null })
      : spec.status === 'unknown'
        ? new CertStatus({ unknown: null })
        : new CertStatus({
            revoked: new RevokedInfo({
              revocationTime: spec.revokedAt ?? new Date(now.getTime() - DAY),
              revocationReason: spec.reason ? new CRLReason(REASON_CODES[spec.reason]) : undefined,
            }),
          });
  const single = new SingleResponse({
    certID: new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: '1.3.14.3.2.26', parameters: null }),
      issuerNameHash: new OctetString(sha1(AsnConvert.serialize(issuer.tbsCertificate.subject))),
      issuerKeyHash: new OctetString(sha1(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
      serialNumber: asn(spec.serialOf ?? spec.cert).tbsCertificate.serialNumber,
    }),
    certStatus,
    thisUpdate: spec.thisUpdate ?? new Date(now.getTime() - HOUR),
    nextUpdate: spec.nextUpdate === null ? undefined : (spec.nextUpdate ?? new Date(now.getTime() + 3 * DAY)),
  });
  const data = new ResponseData({
    responderID: new ResponderID({
      byKey: new OctetString(sha1(asn(signer).tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)),
    }),
    producedAt: now,
    responses: [single],
  });
  const tbs = new Uint8Array(AsnConvert.serialize(data));
  const { oid, signature } = signWith(signer, tbs);
  if (spec.badSignature) signature[signature.length - 5]! ^= 0x01;
  const basic = new BasicOCSPResponse({
    tbsResponseData: data,
    signatureAlgorithm: new AlgorithmIdentifier({
      algorithm: oid,
      parameters: oid.startsWith('1.2.840.113549') ? null : undefined,
    }),
    signature: new Uint8Array(signature).buffer,
    certs: spec.include?.map(asn),
  });
  const res = new OCSPResponse({
    responseStatus: OCSPResponseStatus.successful,
    responseBytes: new ResponseBytes({
      responseType: id_pkix_ocsp_basic,
      response: new OctetString(AsnConvert.serialize(basic)),
    }),
  });
  return Buffer.from(AsnConvert.serialize(res));
}

export interface CrlSpec {
  issuer: Issued;
  revoked?: { cert: Issued; reason?: ReasonName; at?: Date }[];
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** signed by this key instead of the issuer's (the "wrongly signed" case) */
  signer?: Issued;
  /** more revoked serials (hex), as filler for large CRLs */
  fillerSerials?: string[];
  /** mark as a delta CRL (RFC 5280 §5.2.4) */
  delta?: boolean;
  pem?: boolean;
}

/** A DER (or PEM) CRL. */
export async function makeCrl(spec: CrlSpec, now = new Date()): Promise<Buffer> {
  const signer = spec.signer ?? spec.issuer;
  const ecdsa = signer.keys.privateKey.algorithm.name === 'ECDSA';
  const crl = await x509.X509CrlGenerator.create({
    issuer: spec.issuer.cert.subject,
    thisUpdate: spec.thisUpdate ?? new Date(now.getTime() - HOUR),
    nextUpdate: spec.nextUpdate ?? new Date(now.getTime() + 7 * DAY),
    signingAlgorithm: ecdsa ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    signingKey: signer.keys.privateKey,
    entries: [
      ...(spec.revoked ?? []).map((r) => ({
        serialNumber: r.cert.cert.serialNumber,
        revocationDate: r.at ?? new Date(now.getTime() - DAY),
        reason: r.reason ? REASON_CODES[r.reason] : undefined,
      })),
      ...(spec.fillerSerials ?? []).map((serialNumber) => ({
        serialNumber,
        revocationDate: new Date(now.getTime() - DAY),
        reason: REASON_CODES.superseded,
      })),
    ],
    extensions: spec.delta ? [new x509.Extension('2.5.29.27', true, new Uint8Array([0x02, 0x01, 0x01]))] : [],
  });
  return spec.pem ? Buffer.from(crl.toString('pem')) : Buffer.from(crl.rawData);
}

export interface RevRoute {
  body?: Buffer;
  status?: number;
  hang?: boolean;
  /** stream this many bytes of zeros, no Content-Length */
  streamBytes?: number;
  /** answer after this many ms (a responder across the internet) */
  delayMs?: number;
}

export interface RevocationServer {
  url: string;
  routes: Map<string, RevRoute>;
  requests: { method: string; path: string; bodyBytes: number }[];
  close(): Promise<void>;
}

/** Answers the longest route that is a prefix of the request path (OCSP GET puts the request after it). */
export async function startRevocationServer(): Promise<RevocationServer> {
  const routes = new Map<string, RevRoute>();
  const requests: RevocationServer['requests'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? '', path, bodyBytes: Buffer.concat(chunks).length });
      const key = [...routes.keys()]
        .filter((k) => path === k || path.startsWith(`${k}/`))
        .sort((a, b) => b.length - a.length)[0];
      const route = key === undefined ? undefined : routes.get(key);
      if (!route) return void res.writeHead(404).end();
      if (route.hang) return;
      if (route.streamBytes) {
        res.writeHead(200, { 'content-type': 'application/pkix-crl' });
        const chunk = Buffer.alloc(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < route.streamBytes! && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => {});
        return pump();
      }
      const send = () => res.writeHead(route.status ?? 200).end(route.body ?? '');
      if (route.delayMs) setTimeout(send, route.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    routes,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** DER element: tag, definite length, content. */
function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  const len =
    n < 0x80
      ? Buffer.from([n])
      : n < 0x100
        ? Buffer.from([0x81, n])
        : n < 0x10000
          ? Buffer.from([0x82, n >> 8, n & 0xff])
          : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(2, 14);
  return tlv(0x17, Buffer.from(`${s}Z`, 'latin1'));
}

function derInteger(hex: string): Buffer {
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

const derOid = (dotted: string) => {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a! * 40 + b!];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
};

export interface LargeCrlSpec {
  issuer: Issued;
  /** filler serials (hex), each revoked as superseded */
  count: number;
  /** these are listed last, with their reasons */
  last?: { cert: Issued; reason: ReasonName }[];
  /** raw DER appended to the entry list as they are (broken entries for malformed-CRL tests) */
  raw?: Buffer[];
  thisUpdate?: Date;
  nextUpdate?: Date;
}

/**
 * A CRL of `count` entries encoded directly (X.690 DER, RFC 5280 §5.1) and signed with the issuer's key: the
 * @peculiar generator takes ~0.8 ms per entry, far too slow for the 100,000-entry CRLs big CAs publish. Its
 * output is checked against the @peculiar schema in test/revocation-large.test.ts.
 */
export function makeLargeCrl(spec: LargeCrlSpec, now = new Date()): Buffer {
  const revokedAt = utcTime(new Date(now.getTime() - DAY));
  const reasonExt = (code: number) =>
    tlv(0x30, tlv(0x30, derOid('2.5.29.21'), tlv(0x04, tlv(0x0a, Buffer.from([code])))));
  const superseded = reasonExt(REASON_CODES.superseded);
  const entries: Buffer[] = [];
  for (let i = 0; i < spec.count; i++) {
    const serial = `7e${i.toString(16).padStart(10, '0')}`;
    entries.push(tlv(0x30, derInteger(serial), revokedAt, superseded));
  }
  for (const r of spec.last ?? []) {
    const serial = asn(r.cert).tbsCertificate.serialNumber;
    entries.push(tlv(0x30, tlv(0x02, new Uint8Array(serial)), revokedAt, reasonExt(REASON_CODES[r.reason])));
  }
  entries.push(...(spec.raw ?? []));
  const key = KeyObject.from(spec.issuer.keys.privateKey);
  const oid = signatureOid(key);
  const alg = oid.startsWith('1.2.840.113549') ? tlv(0x30, derOid(oid), tlv(0x05)) : tlv(0x30, derOid(oid));
  const tbs = tlv(
    0x30,
    derInteger('01'),
    alg,
    Buffer.from(AsnConvert.serialize(asn(spec.issuer).tbsCertificate.subject)),
    utcTime(spec.thisUpdate ?? new Date(now.getTime() - HOUR)),
    utcTime(spec.nextUpdate ?? new Date(now.getTime() + 7 * DAY)),
    tlv(0x30, ...entries),
  );
  const { signature } = signWith(spec.issuer, tbs);
  return tlv(0x30, tbs, alg, tlv(0x03, Buffer.from([0]), signature));
}

/**
 * A TLS server leaf for revocation tests, issued by `issuer`, valid from 10 days before `now` for 60 days, naming
 * the revocation server's CRL and/or OCSP URL for `id` (paths `/crl/ID`, `/ocsp/ID`).
 */
export async function revocationLeaf(
  issuer: Issued,
  rev: RevocationServer,
  id: string,
  now: Date,
  over: Partial<CertSpec> & { crl?: boolean; ocsp?: boolean } = {},
): Promise<Issued> {
  const { crl, ocsp, ...spec } = over;
  return makeCert(
    {
      subject: 'CN=localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth'],
      notBefore: new Date(now.getTime() - 10 * DAY_MS),
      notAfter: new Date(now.getTime() + 60 * DAY_MS),
      ...(crl ? { crlUrl: `${rev.url}/crl/${id}` } : {}),
      ...(ocsp ? { ocspUrl: `${rev.url}/ocsp/${id}` } : {}),
      ...spec,
    },
    issuer,
  );
}

const DAY_MS = 86_400_000;
