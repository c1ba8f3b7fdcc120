/**
 * Revocation of every certificate on the built path but the anchor (RFC 5280 §6.3, RFC 6960). Per
 * certificate: the stapled response (leaf only, RFC 6066 §8) is verified; the CRL comes first where a
 * distribution point exists (major CAs have shut OCSP down; CRLs are what is left); an OCSP answer counts
 * only when neither a CRL nor a valid staple answered. The responder is asked once the CRL has had
 * OCSP_HEDGE_MS alone, so a slow or dead CRL server does not add an OCSP round trip on top of its timeout;
 * when the CRL then answers, that request is dropped and not reported (the sources, and so the report, do
 * not depend on which answer came first). A source that cannot be reached is recorded, never turned into a
 * verdict: the certificate is then `unchecked`.
 */
import type { CertInfo, CertRevocation, CertSource, RevocationReport, RevocationSource } from '../types.js';
import { type CrlIndex, isDeltaCrl, lookupCrl, parseCrl, verifyCrl } from './crl.js';
import { judgeOcsp } from './ocsp.js';
import { blank, failed, type OcspCache, ocspSource, type RevocationFetch } from './ocsp-fetch.js';
import { type RevCert, revCert } from './signed.js';
import { summarise } from './summary.js';

export type { OcspCache, RevocationFetch };
export { summarise };

export type CrlCache = Map<string, { expiresAt: number; index: CrlIndex }>;

export interface RevocationDeps {
  fetch: RevocationFetch;
  now: Date;
  /** verified CRLs, kept until their nextUpdate */
  cache?: CrlCache;
  /** verified OCSP answers, kept until their nextUpdate (default: one per process) */
  ocspCache?: OcspCache;
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
export { OCSP_MAX_BYTES } from './ocsp-fetch.js';
/**
 * How long the CRL has alone before OCSP is asked alongside it. The verdict stays CRL-first (OCSP counts only
 * when no CRL answered), so this only saves the OCSP round trip after a slow or failing CRL; a CRL that answers
 * within it costs no OCSP request at all.
 */
export const OCSP_HEDGE_MS = 500;
const CACHE_LIMIT = 64;
/** The CRL cache keeps each CRL's DER; beyond this many bytes in all, the oldest entries go. */
export const CRL_CACHE_MAX_BYTES = 64 * 1024 * 1024;
const MAX_URLS = 2;
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
  const crlUrls = httpUrls(info.crlDistributionPoints);
  const ocspUrls = httpUrls(info.aia.ocsp);
  const hedge = new AbortController();
  let ocsp: Promise<RevocationSource[]> | null = null;
  const askOcsp = () => {
    if (!ocsp) {
      ocsp = ocspSources(ocspUrls, cert, issuer, deps, hedge.signal);
      ocsp.catch(() => {}); // a dropped hedge must not surface as an unhandled rejection
    }
    return ocsp;
  };
  const needOcsp = ocspUrls.length > 0 && !sources.some(answered);
  const timer = needOcsp && crlUrls.length > 0 ? setTimeout(askOcsp, OCSP_HEDGE_MS) : undefined;
  try {
    for (const url of crlUrls) {
      const source = await crlSource(url, cert, issuer, deps);
      sources.push(notes.length > 0 ? { ...source, notes: [...(source.notes ?? []), ...notes] } : source);
      if (answered(source)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (!sources.some(answered)) sources.push(...(await askOcsp()));
  else hedge.abort();
  return summarise(info, index, sources);
}

/** The certificate's OCSP responders in turn, until one answers. */
async function ocspSources(
  urls: string[],
  cert: RevCert,
  issuer: RevCert,
  deps: RevocationDeps,
  signal: AbortSignal,
): Promise<RevocationSource[]> {
  const out: RevocationSource[] = [];
  for (const url of urls) {
    const source = await ocspSource(url, cert, issuer, deps, signal);
    out.push(source);
    if (answered(source)) break;
  }
  return out;
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
