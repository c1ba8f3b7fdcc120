import { createHash } from 'node:crypto';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { parseAiaBody } from './aia-body.js';
import { ProbeError, quote } from './errors.js';
import { type LookupFn, systemLookup } from './resolve.js';
import type { AiaFetch, ProbeErrorCode } from './types.js';

/** The slice of probe/address-policy this module needs (tests pass small stand-ins). */
export type AddressPolicyLike = Pick<AddressPolicy, 'check'>;

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

/** Thrown inside a fetch when the policy refuses every address; becomes status 'blocked'. */
class BlockedError extends Error {
  constructor(
    readonly blockedBy: string | null,
    message: string,
  ) {
    super(message);
  }
}

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
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), budgetMs);
  try {
    const ders = await followRedirects(url, opts, controller.signal);
    const certs = ders.map((d) => createHash('sha256').update(d).digest('hex'));
    return { url, status: 'ok', error: null, certs, ders };
  } catch (err) {
    if (err instanceof BlockedError) return failure(url, 'blocked', err.message, err.blockedBy);
    if (controller.signal.aborted) {
      return failure(
        url,
        'error',
        `connection_timeout: no complete answer from ${quote(url)} within ${budgetMs} ms${budgetMs < opts.timeoutMs ? " (what was left of the check's deadline)" : ''}`,
      );
    }
    return failure(url, 'error', describeError(err, url));
  } finally {
    clearTimeout(timer);
  }
}

function failure(url: string, status: 'error' | 'blocked', error: string, blockedBy?: string | null): AiaResult {
  const result: AiaResult = { url, status, error, certs: [], ders: [] };
  return blockedBy === undefined ? result : Object.assign(result, { blockedBy });
}

async function followRedirects(url: string, opts: AiaFetcherOptions, signal: AbortSignal): Promise<Uint8Array[]> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const answer = await fetchOnce(current, opts, signal);
    if ('ders' in answer) return answer.ders;
    if (hop >= MAX_REDIRECTS) {
      throw new ProbeError('fetch_failed', `fetch_failed: more than ${MAX_REDIRECTS} redirects from ${quote(url)}`);
    }
    current = answer.location;
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProbeError('fetch_failed', `fetch_failed: ${quote(raw)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProbeError('fetch_failed', `fetch_failed: only http:// AIA URLs are fetched, not ${quote(url.protocol)}`);
  }
  return url;
}

/** Resolve once and return the first address the policy allows, or throw BlockedError naming the range. */
async function checkedAddress(
  url: URL,
  opts: AiaFetcherOptions,
  signal: AbortSignal,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  const addresses: { address: string; family: 4 | 6 }[] =
    family === 4 || family === 6
      ? [{ address: host, family }]
      : await abortable((opts.lookup ?? systemLookup)(host), signal);
  if (addresses.length === 0) throw new ProbeError('dns_not_found', `dns_not_found: ${quote(host)} has no address`);
  const verdicts = addresses.map((a) => ({ ...a, ...opts.policy.check(a.address) }));
  const allowed = verdicts.find((v) => v.allowed);
  if (allowed) return allowed;
  const first = verdicts[0]!;
  throw new BlockedError(
    first.blockedBy,
    `address_blocked: ${quote(host)} resolves to ${verdicts.map((v) => v.address).join(', ')}, refused by the address policy (${first.blockedBy ?? 'blocked'})`,
  );
}

type Hop = { ders: Uint8Array[] } | { location: string };

async function fetchOnce(raw: string, opts: AiaFetcherOptions, signal: AbortSignal): Promise<Hop> {
  const url = parseUrl(raw);
  const target = await checkedAddress(url, opts, signal);
  const dispatcher = new Agent({ connect: { lookup: pinnedLookup(target.address, target.family) }, pipelining: 0 });
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher,
      signal,
      headers: { accept: 'application/pkix-cert, application/pkcs7-mime, */*' },
    });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      await res.body.dump();
      return { location: new URL(location, url).toString() };
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new ProbeError('fetch_failed', `fetch_failed: ${quote(raw)} answered HTTP ${res.statusCode}, expected 200`);
    }
    const body = await readCapped(res.body, opts.maxBytes ?? DEFAULT_MAX_BYTES, raw);
    return { ders: parseAiaBody(body) };
  } finally {
    dispatcher.destroy().catch(() => {});
  }
}

/** A Node `lookup` that answers with the address we already checked, whatever name it is asked. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (options?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as LookupFunction;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number, url: string) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new ProbeError('too_large', `too_large: ${quote(url)} sent more than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const NODE_CODES: Record<string, ProbeErrorCode> = {
  ENOTFOUND: 'dns_not_found',
  ENODATA: 'dns_not_found',
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  UND_ERR_SOCKET: 'connection_reset',
  UND_ERR_CONNECT_TIMEOUT: 'connection_timeout',
  UND_ERR_HEADERS_TIMEOUT: 'connection_timeout',
  UND_ERR_BODY_TIMEOUT: 'connection_timeout',
};

/** `code: detail` with our stable code first, so rules and tests can match on the prefix. */
function describeError(err: unknown, url: string): string {
  if (err instanceof ProbeError) return err.message;
  const e = err as { code?: string; message?: string };
  const code = NODE_CODES[e.code ?? ''] ?? 'fetch_failed';
  return `${code}: fetching ${quote(url)} failed: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`;
}
