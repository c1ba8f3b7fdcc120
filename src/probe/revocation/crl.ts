/**
 * CRLs (RFC 5280 §5, §6.3). A CRL is accepted only when its issuer name is the certificate's issuer, its
 * signature verifies with the issuer's key (which must be allowed to sign CRLs), and it is current. Delta
 * CRLs (§5.2.4) are not merged: one is ignored with a note, the complete CRL still decides. Parsing uses
 * @peculiar/asn1-x509's CertificateList schema; nothing here is hand-decoded.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList, CRLReason, id_ce_cRLReasons, id_ce_deltaCRLIndicator } from '@peculiar/asn1-x509';
import { ProbeError } from '../errors.js';
import type { RevocationProblem, RevocationSource } from '../types.js';
import { iso, normaliseSerial, REASONS, type RevCert, SKEW_MS, serialHex, subjectDer, verifySigned } from './signed.js';

const id_ce_issuingDistributionPoint = '2.5.29.28';

/** A verified CRL, reduced to what a lookup needs (this is what the cache keeps). */
export interface CrlIndex {
  thisUpdate: Date;
  nextUpdate: Date | null;
  revoked: Map<string, { at: string | null; reason: string | null }>;
  notes: string[];
}

export type CrlVerdict = { ok: true; index: CrlIndex } | { ok: false; problem: RevocationProblem; error: string };

/** RFC 7468 §6 says "X509 CRL"; some tools write "CRL". */
const PEM = /-----BEGIN (X509 )?CRL-----([\s\S]*?)-----END \1CRL-----/;

/** DER or PEM (servers send both whatever the content type says). Throws ProbeError 'malformed'. */
export function parseCrl(body: Uint8Array): CertificateList {
  const head = Buffer.from(body.subarray(0, 64)).toString('latin1');
  let der: Uint8Array = body;
  if (head.includes('-----BEGIN')) {
    const m = PEM.exec(Buffer.from(body).toString('latin1'));
    if (!m) throw new ProbeError('malformed', 'malformed: PEM without an X509 CRL block');
    der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
  }
  try {
    // asn1js stops at 10,000 nodes by default: a 5,000-entry CRL (~220 KB) has more. Every node takes at
    // least two bytes, so this bound is what the byte cap (CRL_MAX_BYTES) already allows, nothing more.
    return AsnConvert.parse(der, CertificateList, { berOptions: { maxNodes: Math.ceil(der.length / 2) } });
  } catch (err) {
    throw new ProbeError('malformed', `malformed: ${der.length} bytes are not a CRL (${(err as Error).message})`);
  }
}

/** Verify a CRL against the issuer of the certificate being checked, at `now`. */
export function verifyCrl(crl: CertificateList, issuer: RevCert, now: Date): CrlVerdict {
  const tbs = crl.tbsCertList;
  const crlIssuer = Buffer.from(AsnConvert.serialize(tbs.issuer));
  if (!crlIssuer.equals(subjectDer(issuer.asn))) {
    return { ok: false, problem: 'wrong_cert', error: `wrong_cert: the CRL is not issued by ${issuer.info.subject}` };
  }
  if (issuer.info.keyUsage !== null && !issuer.info.keyUsage.includes('cRLSign')) {
    // RFC 5280 §4.2.1.3: a CRL signer's keyUsage must assert cRLSign.
    return { ok: false, problem: 'wrong_signer', error: `wrong_signer: ${issuer.info.subject} may not sign CRLs` };
  }
  const raw = crl.tbsCertListRaw ?? AsnConvert.serialize(tbs);
  const sig = verifySigned(raw, crl.signatureAlgorithm.algorithm, crl.signature, issuer.node.publicKey);
  if (sig === null) {
    return {
      ok: false,
      problem: 'unsupported',
      error: `unsupported: CRL signature algorithm ${crl.signatureAlgorithm.algorithm} is not checked`,
    };
  }
  if (!sig) {
    return {
      ok: false,
      problem: 'bad_signature',
      error: `bad_signature: the CRL signature does not verify with the key of ${issuer.info.subject}`,
    };
  }
  const thisUpdate = tbs.thisUpdate.getTime();
  const nextUpdate = tbs.nextUpdate?.getTime() ?? null;
  if (thisUpdate.getTime() > now.getTime() + SKEW_MS) {
    return {
      ok: false,
      problem: 'not_yet_valid',
      error: `not_yet_valid: CRL thisUpdate ${iso(thisUpdate)} is after now (${now.toISOString()})`,
    };
  }
  if (nextUpdate !== null && nextUpdate.getTime() < now.getTime()) {
    return {
      ok: false,
      problem: 'stale',
      error: `stale: CRL nextUpdate ${iso(nextUpdate)} has passed (now ${now.toISOString()})`,
    };
  }
  return { ok: true, index: indexCrl(crl, thisUpdate, nextUpdate) };
}

function indexCrl(crl: CertificateList, thisUpdate: Date, nextUpdate: Date | null): CrlIndex {
  const revoked: CrlIndex['revoked'] = new Map();
  for (const entry of crl.tbsCertList.revokedCertificates ?? []) {
    const reasonExt = entry.crlEntryExtensions?.find((e) => e.extnID === id_ce_cRLReasons);
    let reason: string | null = null;
    if (reasonExt) {
      try {
        const code = AsnConvert.parse(reasonExt.extnValue, CRLReason).reason;
        reason = REASONS[code] ?? `reason ${code}`;
      } catch {
        reason = 'unparsable reason';
      }
    }
    revoked.set(serialHex(entry.userCertificate), { at: iso(entry.revocationDate.getTime()), reason });
  }
  const notes: string[] = [];
  const idp = crl.tbsCertList.crlExtensions?.find((e) => e.extnID === id_ce_issuingDistributionPoint);
  if (idp?.critical) notes.push('the CRL has a critical issuing distribution point: its scope is not checked');
  return { thisUpdate, nextUpdate, revoked, notes };
}

export const isDeltaCrl = (crl: CertificateList): boolean =>
  (crl.tbsCertList.crlExtensions ?? []).some((e) => e.extnID === id_ce_deltaCRLIndicator);

/** What the CRL says about one serial. removeFromCRL (RFC 5280 §5.3.1) only appears in delta CRLs: not revoked. */
export function lookupCrl(index: CrlIndex, serial: string, url: string | null, cached: boolean): RevocationSource {
  const hit = index.revoked.get(normaliseSerial(serial));
  const revoked = hit !== undefined && hit.reason !== 'removeFromCRL';
  return {
    kind: 'crl',
    url,
    outcome: revoked ? 'revoked' : 'good',
    revokedAt: revoked ? hit.at : null,
    reason: revoked ? hit.reason : null,
    thisUpdate: iso(index.thisUpdate),
    nextUpdate: iso(index.nextUpdate),
    problem: null,
    error: null,
    ...(cached ? { cached } : {}),
    ...(index.notes.length > 0 ? { notes: [...index.notes] } : {}),
  };
}
