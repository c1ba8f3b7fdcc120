/**
 * OCSP (RFC 6960) with @peculiar/asn1-ocsp schemas: the request for one certificate, and the checks a client
 * must make of a response (§3.2): it is for this certificate (certID), signed by the issuer or by a responder
 * the issuer certified with id-kp-OCSPSigning (§4.2.2.2), the signature verifies, and it is current.
 */
import {
  BasicOCSPResponse,
  CertID,
  id_kp_OCSPSigning,
  id_pkix_ocsp_basic,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, ExtendedKeyUsage, id_ce_extKeyUsage } from '@peculiar/asn1-x509';
import { dnString } from '../tls-client-cert.js';
import type { RevocationProblem, RevocationSource } from '../types.js';
import {
  digest,
  HASH_OIDS,
  iso,
  type ParsedCert,
  parsedCert,
  publicKeyBits,
  REASONS,
  type RevCert,
  SKEW_MS,
  serialHex,
  subjectDer,
  verifySigned,
} from './signed.js';

const SHA1 = '1.3.14.3.2.26';
/** Without nextUpdate (RFC 6960 §4.2.2.1: "newer information is always available") a week-old answer is stale. */
const NO_NEXT_UPDATE_MAX_AGE_MS = 7 * 86_400_000;

/** The CertID of RFC 6960 §4.1.1 with SHA-1, what every responder understands (RFC 5019 §2.1.1). */
export function certIdFor(cert: RevCert, issuer: ParsedCert, hashOid = SHA1): CertID {
  const alg = HASH_OIDS[hashOid] ?? 'sha1';
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOid, parameters: null }),
    issuerNameHash: new OctetString(digest(alg, subjectDer(issuer.asn))),
    issuerKeyHash: new OctetString(digest(alg, publicKeyBits(issuer.asn))),
    serialNumber: cert.asn.tbsCertificate.serialNumber,
  });
}

/** DER of an unsigned, nonce-less OCSPRequest (RFC 5019 §2.1: cacheable, what CAs' CDNs expect). */
export function ocspRequest(cert: RevCert, issuer: ParsedCert): Uint8Array {
  const req = new OCSPRequest({
    tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certIdFor(cert, issuer) })] }),
  });
  return new Uint8Array(AsnConvert.serialize(req));
}

type Judged = Pick<
  RevocationSource,
  'outcome' | 'revokedAt' | 'reason' | 'thisUpdate' | 'nextUpdate' | 'problem' | 'error'
>;

const invalid = (problem: RevocationProblem, error: string, times?: Partial<Judged>): Judged => ({
  outcome: 'invalid',
  revokedAt: null,
  reason: null,
  thisUpdate: times?.thisUpdate ?? null,
  nextUpdate: times?.nextUpdate ?? null,
  problem,
  error: `${problem}: ${error}`,
});

/** Verify a DER OCSPResponse for `cert` issued by `issuer` at `now`; never throws. */
export function judgeOcsp(body: Uint8Array, cert: RevCert, issuer: RevCert, now: Date): Judged {
  let basic: BasicOCSPResponse;
  try {
    const res = AsnConvert.parse(body, OCSPResponse);
    if (res.responseStatus !== OCSPResponseStatus.successful) {
      const name = OCSPResponseStatus[res.responseStatus] ?? String(res.responseStatus);
      return invalid('not_successful', `the responder answered ${name} (RFC 6960 §2.3)`);
    }
    if (!res.responseBytes || res.responseBytes.responseType !== id_pkix_ocsp_basic) {
      return invalid('malformed', 'the response is not an id-pkix-ocsp-basic response');
    }
    basic = AsnConvert.parse(res.responseBytes.response, BasicOCSPResponse);
  } catch (err) {
    return invalid('malformed', `${body.length} bytes are not an OCSP response (${(err as Error).message})`);
  }
  const single = basic.tbsResponseData.responses.find((r) => certIdMatches(r.certID, cert, issuer));
  if (!single) {
    const serials = basic.tbsResponseData.responses.map((r) => serialHex(r.certID.serialNumber)).join(', ');
    return invalid('wrong_cert', `the response is for serial ${serials || '(none)'}, not ${cert.info.serialNumber}`);
  }
  const times = { thisUpdate: iso(single.thisUpdate), nextUpdate: iso(single.nextUpdate) };
  const signer = findSigner(basic, issuer, now);
  if (typeof signer === 'string') return invalid('wrong_signer', signer, times);
  const raw = basic.tbsResponseDataRaw ?? AsnConvert.serialize(basic.tbsResponseData);
  const ok = verifySigned(raw, basic.signatureAlgorithm.algorithm, basic.signature, signer.node.publicKey);
  if (ok === null) return invalid('unsupported', `signature algorithm ${basic.signatureAlgorithm.algorithm}`, times);
  if (!ok) return invalid('bad_signature', 'the signature does not verify with the responder key', times);
  const t = now.getTime();
  if (single.thisUpdate.getTime() > t + SKEW_MS) {
    return invalid('not_yet_valid', `thisUpdate ${times.thisUpdate} is after now (${now.toISOString()})`, times);
  }
  const expiry = single.nextUpdate?.getTime() ?? single.thisUpdate.getTime() + NO_NEXT_UPDATE_MAX_AGE_MS;
  if (expiry < t) {
    return invalid(
      'stale',
      single.nextUpdate
        ? `nextUpdate ${times.nextUpdate} has passed`
        : `thisUpdate ${times.thisUpdate} is over a week old`,
      times,
    );
  }
  const status = single.certStatus;
  if (status.revoked) {
    const code = status.revoked.revocationReason?.reason;
    return {
      outcome: 'revoked',
      revokedAt: iso(status.revoked.revocationTime),
      reason: code === undefined ? null : (REASONS[code] ?? `reason ${code}`),
      ...times,
      problem: null,
      error: null,
    };
  }
  return {
    outcome: status.good !== undefined ? 'good' : 'unknown',
    revokedAt: null,
    reason: null,
    ...times,
    problem: null,
    error: null,
  };
}

/** Recompute the CertID with the response's own hash algorithm (responders may answer with SHA-256). */
function certIdMatches(id: CertID, cert: RevCert, issuer: ParsedCert): boolean {
  if (!HASH_OIDS[id.hashAlgorithm.algorithm]) return false;
  const ours = certIdFor(cert, issuer, id.hashAlgorithm.algorithm);
  const eq = (a: ArrayBuffer, b: ArrayBuffer) => Buffer.from(a).equals(Buffer.from(b));
  return (
    eq(id.issuerNameHash.buffer, ours.issuerNameHash.buffer) &&
    eq(id.issuerKeyHash.buffer, ours.issuerKeyHash.buffer) &&
    serialHex(id.serialNumber) === serialHex(ours.serialNumber)
  );
}

/** The issuer itself, or a delegated responder (§4.2.2.2); a string says why neither signed. */
function findSigner(basic: BasicOCSPResponse, issuer: RevCert, now: Date): ParsedCert | string {
  const id = basic.tbsResponseData.responderID;
  const named = (c: ParsedCert) =>
    id.byKey
      ? digest('sha1', publicKeyBits(c.asn)).equals(Buffer.from(id.byKey.buffer))
      : id.byName
        ? Buffer.from(AsnConvert.serialize(id.byName)).equals(subjectDer(c.asn))
        : false;
  if (named(issuer)) return issuer;
  const included = (basic.certs ?? [])
    .slice(0, 4)
    .map((c) => parsedCert(new Uint8Array(AsnConvert.serialize(c))))
    .filter((c): c is ParsedCert => c !== null);
  const candidate = included.find(named);
  if (!candidate)
    return `the responder (${responderName(basic)}) is neither ${issuer.info.subject} nor a certificate it included`;
  if (!candidate.node.verify(issuer.node.publicKey)) {
    return `the responder certificate ${candidate.node.subject.replace(/\n/g, ', ')} is not issued by ${issuer.info.subject}`;
  }
  const eku = candidate.asn.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_extKeyUsage);
  const usages = eku ? AsnConvert.parse(eku.extnValue, ExtendedKeyUsage).map(String) : [];
  if (!usages.includes(id_kp_OCSPSigning)) {
    return `the delegated responder ${candidate.node.subject.replace(/\n/g, ', ')} lacks the id-kp-OCSPSigning EKU`;
  }
  const t = now.getTime();
  if (Date.parse(candidate.node.validFrom) > t || Date.parse(candidate.node.validTo) < t) {
    return `the delegated responder certificate is outside its validity (${candidate.node.validFrom} – ${candidate.node.validTo})`;
  }
  return candidate;
}

function responderName(basic: BasicOCSPResponse): string {
  const id = basic.tbsResponseData.responderID;
  if (id.byKey) return `key ${Buffer.from(id.byKey.buffer).toString('hex')}`;
  return id.byName ? dnString(Buffer.from(AsnConvert.serialize(id.byName))) : 'unnamed';
}
