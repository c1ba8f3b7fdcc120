/**
 * Asking an OCSP responder (RFC 6960 §A.1: GET when the request fits a URL, else POST; RFC 5019 §5), with a
 * per-process cache of verified answers kept until their nextUpdate (RFC 5019 §6.2: a response may be reused
 * until then). The cache keeps the response bytes, not the verdict: a hit is verified again at the caller's
 * `now`, so a clock that moved or a response that went stale is judged as if fetched.
 */
import type { FetchOutcome, GuardedRequest } from '../fetch.js';
import type { RevocationSource } from '../types.js';
import { judgeOcsp, ocspRequest } from './ocsp.js';
import type { RevCert } from './signed.js';

/** A fetch under the probe's policy and deadline, with this body cap; `signal` drops a request no longer needed. */
export type RevocationFetch = (req: GuardedRequest, maxBytes: number, signal?: AbortSignal) => Promise<FetchOutcome>;

export type OcspCache = Map<string, { expiresAt: number; body: Uint8Array }>;

export const OCSP_MAX_BYTES = 64 * 1024;
/** Entries kept at most (each ≤ OCSP_MAX_BYTES, in practice 0.5–2 KiB); the oldest goes first. */
export const OCSP_CACHE_LIMIT = 512;
/** RFC 5019 §5: GET when the request URL stays under 255 bytes (some CDNs cut longer ones), else POST. */
const GET_LIMIT = 255;

export const defaultOcspCache: OcspCache = new Map();

export interface OcspDeps {
  fetch: RevocationFetch;
  now: Date;
  ocspCache?: OcspCache;
}

export async function ocspSource(
  url: string,
  cert: RevCert,
  issuer: RevCert,
  deps: OcspDeps,
  signal?: AbortSignal,
): Promise<RevocationSource> {
  const cache = deps.ocspCache ?? defaultOcspCache;
  const key = `${url}|${issuer.info.sha256}|${cert.info.serialNumber}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > deps.now.getTime()) {
    return { kind: 'ocsp', url, ...judgeOcsp(hit.body, cert, issuer, deps.now), cached: true };
  }
  const der = ocspRequest(cert, issuer);
  const encoded = encodeURIComponent(Buffer.from(der).toString('base64'));
  const headers = { accept: 'application/ocsp-response' };
  const getUrl = `${url.replace(/\/$/, '')}/${encoded}`;
  const req: GuardedRequest =
    getUrl.length < GET_LIMIT
      ? { url: getUrl, headers }
      : { url, method: 'POST', body: der, headers: { ...headers, 'content-type': 'application/ocsp-request' } };
  const got = await deps.fetch(req, OCSP_MAX_BYTES, signal);
  if (got.status !== 'ok') return failed('ocsp', url, got);
  const judged = judgeOcsp(got.fetched.body, cert, issuer, deps.now);
  // Only verified, definite answers with a nextUpdate are reused (RFC 6960 §4.2.2.1: without one, newer
  // information is always available).
  if ((judged.outcome === 'good' || judged.outcome === 'revoked') && judged.nextUpdate !== null) {
    if (cache.size >= OCSP_CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, { expiresAt: Date.parse(judged.nextUpdate), body: Uint8Array.from(got.fetched.body) });
  }
  return { kind: 'ocsp', url, ...judged };
}

export function blank(kind: RevocationSource['kind'], url: string | null): RevocationSource {
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

export function failed(
  kind: 'crl' | 'ocsp',
  url: string,
  got: Exclude<FetchOutcome, { status: 'ok' }>,
): RevocationSource {
  return { ...blank(kind, url), outcome: got.status, error: got.error };
}
