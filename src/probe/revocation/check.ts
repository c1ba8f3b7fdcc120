/**
 * Revocation of every certificate on the built path but the anchor (RFC 5280 §6.3, RFC 6960). Per
 * certificate: the stapled response (leaf only, RFC 6066 §8) is verified; the CRL comes first where a
 * distribution point exists (major CAs have shut OCSP down; CRLs are what is left); the OCSP responder is
 * asked only when neither a CRL nor a valid staple answered. A source that cannot be reached is recorded,
 * never turned into a verdict: the certificate is then `unchecked`.
 */
import type { FetchOutcome, GuardedRequest } from '../fetch.js';
import type { CertInfo, CertRevocation, CertSource, RevocationReport, RevocationSource } from '../types.js';
import { type CrlIndex, isDeltaCrl, lookupCrl, parseCrl, verifyCrl } from './crl.js';
import { judgeOcsp, ocspRequest } from './ocsp.js';
import { type RevCert, revCert } from './signed.js';
import { summarise } from './summary.js';

export { summarise };

/** A fetch under the probe's policy and deadline, with this body cap. */
export type RevocationFetch = (req: GuardedRequest, maxBytes: number) => Promise<FetchOutcome>;

export type CrlCache = Map<string, { expiresAt: number; index: CrlIndex }>;

export interface RevocationDeps {
  fetch: RevocationFetch;
  now: Date;
  /** verified CRLs, kept until their nextUpdate */
  cache?: CrlCache;
}

export interface RevocationInput {
  /** the built path, leaf first, and where each certificate came from */
  built: CertInfo[];
  sources: CertSource[];
  /** the stapled OCSP response (DER), null when none */
  staple: Uint8Array | null;
}

/**
 * Real CRLs run from a few hundred bytes (sharded, Let's Encrypt) to tens of MiB (large CAs). They are split
 * and scanned by crl-scan.ts (~7 ms per MiB with the signature check: `npm run bench`, "CRL read per MiB"),
 * so the cap bounds what a fetch brings in within its own time limit, no longer parsing cost.
 */
export const CRL_MAX_BYTES = 20 * 1024 * 1024;
export const OCSP_MAX_BYTES = 64 * 1024;
const CACHE_LIMIT = 64;
/** The CRL cache keeps each CRL's DER; beyond this many bytes in all, the oldest entries go. */
export const CRL_CACHE_MAX_BYTES = 64 * 1024 * 1024;
const MAX_URLS = 2;
/** RFC 5019 §5: GET when the request URL stays under 255 bytes (some CDNs cut longer ones), else POST. */
const GET_LIMIT = 255;
const FRESHEST_CRL = '2.5.29.46';

export const defaultCrlCache: CrlCache = new Map();

export async function checkRevocation(input: RevocationInput, deps: RevocationDeps): Promise<RevocationReport> {
  const notes: string[] = [];
  const leaf = input.built[0];
  const jobs = input.built.map((info, i) => {
    if (input.sources[i] === 'trust_store' || info.selfSigned === true) return null;
    const issuer = input.built[i + 1];
    if (!issuer) {
      notes.push(`the issuer of ${info.subjectCN ?? info.subject} is unknown: its revocation was not checked`);
      return Promise.resolve(summarise(info, i, []));
    }
    return checkOne(info, issuer, i, i === 0 ? input.staple : null, deps);
  });
  const certs = (await Promise.all(jobs)).filter((c): c is CertRevocation => c !== null);
  return { certs, mustStaple: leaf?.mustStaple ?? false, stapled: input.staple !== null, notes };
}

async function checkOne(
  info: CertInfo,
  issuerInfo: CertInfo,
  index: number,
  staple: Uint8Array | null,
  deps: RevocationDeps,
): Promise<CertRevocation> {
  const cert = toRevCertSafe(info);
  const issuer = toRevCertSafe(issuerInfo);
  if (!cert || !issuer) return summarise(info, index, []);
  const sources: RevocationSource[] = [];
  if (staple) sources.push({ kind: 'staple', url: null, ...judgeOcsp(staple, cert, issuer, deps.now) });
  const notes = hasExtension(cert, FRESHEST_CRL) ? ['delta CRLs (freshestCRL) are not fetched'] : [];
  for (const url of httpUrls(info.crlDistributionPoints)) {
    const source = await crlSource(url, cert, issuer, deps);
    sources.push(notes.length > 0 ? { ...source, notes: [...(source.notes ?? []), ...notes] } : source);
    if (answered(source)) break;
  }
  if (!sources.some(answered)) {
    for (const url of httpUrls(info.aia.ocsp)) {
      const source = await ocspSource(url, cert, issuer, deps);
      sources.push(source);
      if (answered(source)) break;
    }
  }
  return summarise(info, index, sources);
}

const answered = (s: RevocationSource) => s.outcome === 'good' || s.outcome === 'revoked' || s.outcome === 'unknown';

/** LDAP and other schemes are not fetched; HTTP is what clients use (RFC 5280 §4.2.1.13). */
const httpUrls = (urls: string[]) => urls.filter((u) => /^https?:\/\//i.test(u)).slice(0, MAX_URLS);

function hasExtension(cert: RevCert, oid: string): boolean {
  return (cert.asn.tbsCertificate.extensions ?? []).some((e) => e.extnID === oid);
}

function toRevCertSafe(info: CertInfo): RevCert | null {
  try {
    return revCert(info);
  } catch {
    return null;
  }
}

async function crlSource(url: string, cert: RevCert, issuer: RevCert, deps: RevocationDeps): Promise<RevocationSource> {
  const key = `${url}|${issuer.info.sha256}`;
  const cache = deps.cache ?? defaultCrlCache;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > deps.now.getTime()) return lookupCrl(hit.index, cert.info.serialNumber, url, true);
  const got = await deps.fetch({ url, headers: { accept: 'application/pkix-crl, */*' } }, CRL_MAX_BYTES);
  if (got.status !== 'ok') return failed('crl', url, got);
  const judged = judgeCrlBody(got.fetched.body, issuer, deps.now);
  if (!judged.ok) return { ...blank('crl', url), outcome: 'invalid', problem: judged.problem, error: judged.error };
  if (judged.index.nextUpdate) remember(cache, key, judged.index);
  return lookupCrl(judged.index, cert.info.serialNumber, url, false);
}

/** Keeps a verified CRL until its nextUpdate, within the entry and byte budgets (oldest out first). */
function remember(cache: CrlCache, key: string, index: CrlIndex): void {
  if (index.der.length > CRL_CACHE_MAX_BYTES) return;
  let bytes = index.der.length;
  for (const v of cache.values()) bytes += v.index.der.length;
  for (const [k, v] of cache) {
    if (cache.size < CACHE_LIMIT && bytes <= CRL_CACHE_MAX_BYTES) break;
    cache.delete(k);
    bytes -= v.index.der.length;
  }
  cache.set(key, { expiresAt: index.nextUpdate!.getTime(), index });
}

/** Parse and verify one CRL body against an issuer. */
export function judgeCrlBody(body: Uint8Array, issuer: RevCert, now: Date) {
  try {
    const crl = parseCrl(body);
    if (isDeltaCrl(crl)) {
      return {
        ok: false as const,
        problem: 'delta_crl' as const,
        error: 'delta_crl: a delta CRL was ignored (RFC 5280 §5.2.4: it only amends a complete CRL)',
      };
    }
    return verifyCrl(crl, issuer, now);
  } catch (err) {
    return { ok: false as const, problem: 'malformed' as const, error: (err as Error).message };
  }
}

async function ocspSource(
  url: string,
  cert: RevCert,
  issuer: RevCert,
  deps: RevocationDeps,
): Promise<RevocationSource> {
  const der = ocspRequest(cert, issuer);
  const encoded = encodeURIComponent(Buffer.from(der).toString('base64'));
  const headers = { accept: 'application/ocsp-response' };
  const getUrl = `${url.replace(/\/$/, '')}/${encoded}`;
  const req: GuardedRequest =
    getUrl.length < GET_LIMIT
      ? { url: getUrl, headers }
      : { url, method: 'POST', body: der, headers: { ...headers, 'content-type': 'application/ocsp-request' } };
  const got = await deps.fetch(req, OCSP_MAX_BYTES);
  if (got.status !== 'ok') return failed('ocsp', url, got);
  return { kind: 'ocsp', url, ...judgeOcsp(got.fetched.body, cert, issuer, deps.now) };
}

function blank(kind: RevocationSource['kind'], url: string | null): RevocationSource {
  return {
    kind,
    url,
    outcome: 'error',
    revokedAt: null,
    reason: null,
    thisUpdate: null,
    nextUpdate: null,
    problem: null,
    error: null,
  };
}

function failed(kind: 'crl' | 'ocsp', url: string, got: Exclude<FetchOutcome, { status: 'ok' }>): RevocationSource {
  return { ...blank(kind, url), outcome: got.status, error: got.error };
}
