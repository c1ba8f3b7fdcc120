/**
 * CRLs (RFC 5280 §5, §6.3). A CRL is accepted only when its issuer name is the certificate's issuer, its
 * signature verifies with the issuer's key (which must be allowed to sign CRLs), and it is current. Delta
 * CRLs (§5.2.4) are not merged: one is ignored with a note, the complete CRL still decides. The DER is split
 * by crl-scan.ts (no schema parse: multi-MiB CRLs must not stall the probe); the signature over the raw
 * to-be-signed bytes is checked before any entry is read.
 */

import type { Tlv } from '../der-reader.js';
import { DerError } from '../der-reader.js';
import { ProbeError } from '../errors.js';
import type { RevocationProblem, RevocationSource } from '../types.js';
import { type CrlSkeleton, checkEntries, findSerial, readCrl } from './crl-scan.js';
import { iso, normaliseSerial, type RevCert, SKEW_MS, subjectDer, verifySigned } from './signed.js';

const id_ce_issuingDistributionPoint = '2.5.29.28';
const id_ce_deltaCRLIndicator = '2.5.29.27';

/** A verified CRL, reduced to what a lookup needs (this is what the cache keeps: the DER and where its entries are). */
export interface CrlIndex {
  thisUpdate: Date;
  nextUpdate: Date | null;
  der: Uint8Array;
  revoked: Tlv | null;
  /** how many entries it lists */
  count: number;
  notes: string[];
}

export type CrlVerdict = { ok: true; index: CrlIndex } | { ok: false; problem: RevocationProblem; error: string };

/** RFC 7468 §6 says "X509 CRL"; some tools write "CRL". */
const PEM = /-----BEGIN (X509 )?CRL-----([\s\S]*?)-----END \1CRL-----/;

/** DER or PEM (servers send both whatever the content type says). Throws ProbeError 'malformed'. */
export function parseCrl(body: Uint8Array): CrlSkeleton {
  const head = Buffer.from(body.subarray(0, 64)).toString('latin1');
  let der: Uint8Array = body;
  if (head.includes('-----BEGIN')) {
    const m = PEM.exec(Buffer.from(body).toString('latin1'));
    if (!m) throw new ProbeError('malformed', 'malformed: PEM without an X509 CRL block');
    der = Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
  }
  try {
    return readCrl(der);
  } catch (err) {
    throw new ProbeError('malformed', `malformed: ${der.length} bytes are not a CRL (${(err as Error).message})`);
  }
}

/** Verify a CRL against the issuer of the certificate being checked, at `now`. */
export function verifyCrl(crl: CrlSkeleton, issuer: RevCert, now: Date): CrlVerdict {
  if (!Buffer.from(crl.issuer).equals(subjectDer(issuer.asn))) {
    return { ok: false, problem: 'wrong_cert', error: `wrong_cert: the CRL is not issued by ${issuer.info.subject}` };
  }
  if (issuer.info.keyUsage !== null && !issuer.info.keyUsage.includes('cRLSign')) {
    // RFC 5280 §4.2.1.3: a CRL signer's keyUsage must assert cRLSign.
    return { ok: false, problem: 'wrong_signer', error: `wrong_signer: ${issuer.info.subject} may not sign CRLs` };
  }
  if (crl.innerSignatureOid !== crl.signatureOid) {
    // RFC 5280 §5.1.1.2: the signature field inside must equal signatureAlgorithm outside.
    return {
      ok: false,
      problem: 'malformed',
      error: `malformed: the CRL names signature ${crl.innerSignatureOid} inside and ${crl.signatureOid} outside`,
    };
  }
  const signature = new Uint8Array(crl.signature).buffer;
  const sig = verifySigned(crl.tbs, crl.signatureOid, signature, issuer.node.publicKey);
  if (sig === null) {
    return {
      ok: false,
      problem: 'unsupported',
      error: `unsupported: CRL signature algorithm ${crl.signatureOid} is not checked`,
    };
  }
  if (!sig) {
    return {
      ok: false,
      problem: 'bad_signature',
      error: `bad_signature: the CRL signature does not verify with the key of ${issuer.info.subject}`,
    };
  }
  const { thisUpdate, nextUpdate } = crl;
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
  let count: number;
  try {
    count = checkEntries(crl.der, crl.revoked);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    return {
      ok: false,
      problem: 'malformed',
      error: `malformed: signed CRL with a broken entry list (${err.message})`,
    };
  }
  const notes: string[] = [];
  if (crl.extensions.get(id_ce_issuingDistributionPoint)?.critical) {
    notes.push('the CRL has a critical issuing distribution point: its scope is not checked');
  }
  return { ok: true, index: { thisUpdate, nextUpdate, der: crl.der, revoked: crl.revoked, count, notes } };
}

export const isDeltaCrl = (crl: CrlSkeleton): boolean => crl.extensions.has(id_ce_deltaCRLIndicator);

/** What the CRL says about one serial. removeFromCRL (RFC 5280 §5.3.1) only appears in delta CRLs: not revoked. */
export function lookupCrl(index: CrlIndex, serial: string, url: string | null, cached: boolean): RevocationSource {
  const hit = findSerial(index.der, index.revoked, normaliseSerial(serial));
  const revoked = hit !== null && hit.reason !== 'removeFromCRL';
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
