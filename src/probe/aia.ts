import { createHash } from 'node:crypto';
import { parseAiaBody } from './aia-body.js';
import { type AddressPolicyLike, describeFetchError, guardedFetch } from './fetch.js';
import type { LookupFn } from './resolve.js';
import type { AiaFetch } from './types.js';

export type { AddressPolicyLike } from './fetch.js';

/** An AIA fetch as reported, plus the certificates for the chain builder (not serialised). */
export type AiaResult = AiaFetch & { ders: Uint8Array[] };

export type AiaCache = Map<string, { expiresAt: number; result: AiaResult }>;

export type AiaFetcher = (url: string) => Promise<AiaResult>;

export interface AiaFetcherOptions {
  policy: AddressPolicyLike;
  /** for the whole fetch: DNS, connect, redirects and body */
  timeoutMs: number;
  /**
   * epoch ms when the probe's one deadline passes: every fetch (in series or not) ends by then, so four
   * trickling URLs cannot take four timeouts (DESIGN.md "Safety": AIA fetches share the probe's deadline)
   */
  deadlineAt?: number;
  /** body cap; real CA certificates are 1–2 KiB, PKCS#7 bundles a few */
  maxBytes?: number;
  lookup?: LookupFn;
  cache?: AiaCache;
  now?: () => number;
}

const DEFAULT_MAX_BYTES = 64 * 1024;
const MAX_REDIRECTS = 2;
const SUCCESS_TTL_MS = 60 * 60 * 1000;
const FAILURE_TTL_MS = 5 * 60 * 1000;
const CACHE_LIMIT = 512;

/**
 * A fetcher for AIA caIssuers URLs. The URL comes from a certificate the probed server chose, so it
 * gets the probe's address policy: resolve once, check every address, connect only to a checked one
 * (a pinned lookup, so DNS cannot be re-asked and rebound), a size cap, a deadline, at most two
 * redirects, each checked again. Never rejects: failures come back as status 'error' or 'blocked'.
 */
export function createAiaFetcher(opts: AiaFetcherOptions): AiaFetcher {
  const cache: AiaCache = opts.cache ?? new Map();
  const now = opts.now ?? Date.now;
  const inflight = new Map<string, Promise<AiaResult>>();
  return async (url) => {
    const hit = cache.get(url);
    if (hit && hit.expiresAt > now())
      return hit.result.status === 'ok' ? { ...hit.result, status: 'cached' } : hit.result;
    let pending = inflight.get(url);
    if (!pending) {
      pending = fetchWithDeadline(url, opts).finally(() => inflight.delete(url));
      inflight.set(url, pending);
    }
    const result = await pending;
    if (result.error?.includes("the check's deadline")) return result;
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(url, { expiresAt: now() + (result.status === 'ok' ? SUCCESS_TTL_MS : FAILURE_TTL_MS), result });
    return result;
  };
}

async function fetchWithDeadline(url: string, opts: AiaFetcherOptions): Promise<AiaResult> {
  const left = opts.deadlineAt === undefined ? opts.timeoutMs : Math.floor(opts.deadlineAt - Date.now());
  const budgetMs = Math.min(opts.timeoutMs, left);
  if (budgetMs <= 0) {
    return failure(url, 'error', `connection_timeout: not fetched: the check's deadline had passed`);
  }
  const outcome = await guardedFetch(
    { url, headers: { accept: 'application/pkix-cert, application/pkcs7-mime, */*' } },
    {
      policy: opts.policy,
      // what is left of the check's one deadline bounds the fetch too (four trickling URLs took 4 × the timeout)
      timeoutMs: budgetMs,
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
      maxRedirects: MAX_REDIRECTS,
      lookup: opts.lookup,
    },
  );
  if (outcome.status === 'blocked') return failure(url, 'blocked', outcome.error, outcome.blockedBy);
  if (outcome.status === 'error') return failure(url, 'error', outcome.error);
  try {
    const ders = parseAiaBody(outcome.fetched.body);
    const certs = ders.map((d) => createHash('sha256').update(d).digest('hex'));
    return { url, status: 'ok', error: null, certs, ders };
  } catch (err) {
    return failure(url, 'error', describeFetchError(err, url).error);
  }
}

function failure(url: string, status: 'error' | 'blocked', error: string, blockedBy?: string | null): AiaResult {
  const result: AiaResult = { url, status, error, certs: [], ders: [] };
  return blockedBy === undefined ? result : Object.assign(result, { blockedBy });
}
