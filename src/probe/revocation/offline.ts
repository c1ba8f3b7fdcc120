/**
 * Revocation from files, for `inspect --crl FILE --ocsp-response FILE`: the same verification as the
 * network path (issuer, signature, freshness, certID), with CRLs and OCSP responses matched to the chain
 * certificates they are about. Nothing is fetched.
 */
import type { CertInfo, RevocationReport, RevocationSource } from '../types.js';
import { judgeCrlBody, summarise } from './check.js';
import { lookupCrl } from './crl.js';
import { judgeOcsp } from './ocsp.js';
import { blank } from './ocsp-fetch.js';
import { type RevCert, revCert } from './signed.js';

export interface OfflineRevocationInput {
  /** leaf first, each certificate followed by its issuer (a built path) */
  chain: CertInfo[];
  /** DER or PEM CRLs */
  crls: Uint8Array[];
  /** DER OCSPResponses */
  ocspResponses: Uint8Array[];
  now: Date;
}

export function checkRevocationOffline(input: OfflineRevocationInput): RevocationReport {
  const notes: string[] = [];
  const used = { crl: new Set<number>(), ocsp: new Set<number>() };
  const certs = input.chain.flatMap((info, i) => {
    const issuerInfo = input.chain[i + 1];
    if (info.selfSigned === true) return [];
    const cert = safe(info);
    const issuer = issuerInfo ? safe(issuerInfo) : null;
    if (!cert || !issuer) {
      notes.push(`the issuer of ${info.subjectCN ?? info.subject} is not in the chain: its revocation was not checked`);
      return [summarise(info, i, [])];
    }
    const sources: RevocationSource[] = [];
    input.crls.forEach((body, k) => {
      const judged = judgeCrlBody(body, issuer, input.now);
      if (!judged.ok && judged.problem === 'wrong_cert') return;
      used.crl.add(k);
      sources.push(
        judged.ok
          ? lookupCrl(judged.index, info.serialNumber, null, false)
          : { ...blank('crl', null), outcome: 'invalid', problem: judged.problem, error: judged.error },
      );
    });
    input.ocspResponses.forEach((body, k) => {
      const judged = judgeOcsp(body, cert, issuer, input.now);
      if (judged.problem === 'wrong_cert' || judged.problem === 'malformed' || judged.problem === 'not_successful') {
        return;
      }
      used.ocsp.add(k);
      sources.push({ kind: 'ocsp', url: null, ...judged });
    });
    return [summarise(info, i, sources)];
  });
  input.crls.forEach((_, k) => {
    if (!used.crl.has(k)) notes.push(`CRL file ${k + 1} is not a CRL from any issuer in the chain`);
  });
  input.ocspResponses.forEach((_, k) => {
    if (!used.ocsp.has(k)) notes.push(`OCSP response file ${k + 1} answers for no certificate in the chain`);
  });
  return { certs, mustStaple: input.chain[0]?.mustStaple ?? false, stapled: false, notes };
}

function safe(info: CertInfo): RevCert | null {
  try {
    return revCert(info);
  } catch {
    return null;
  }
}
