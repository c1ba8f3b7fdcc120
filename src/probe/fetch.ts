/**
 * The one HTTP fetch for URLs taken from certificates (AIA caIssuers, CRL distribution points, OCSP
 * responders). The server being probed chose those URLs, so every fetch gets the probe's address policy
 * (resolve once, check every address, connect only to a checked one through a pinned lookup: DNS cannot
 * be re-asked and rebound), a body cap, a bounded number of redirects (each checked again; none after a
 * POST) and a deadline: its own timeout and, when given, the probe's overall AbortSignal.
 */
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.js';
import { ProbeError, quote } from './errors.js';
import { fetchSecureContext } from './node-extra-ca.js';
import { type LookupFn, systemLookup } from './resolve.js';
import type { ProbeErrorCode } from './types.js';

/** The slice of probe/address-policy a fetch needs (tests pass small stand-ins). */
export type AddressPolicyLike = Pick<AddressPolicy, 'check'>;

export interface GuardedFetchOptions {
  policy: AddressPolicyLike;
  /** for the whole fetch: DNS, connect, redirects and body */
  timeoutMs: number;
  /** the probe's deadline: aborting it ends the fetch too */
  signal?: AbortSignal;
  /** body cap, bytes */
  maxBytes: number;
  /** default 2; 0 refuses every redirect. POST never follows one. */
  maxRedirects?: number;
  lookup?: LookupFn;
}

export interface GuardedRequest {
  url: string;
  method?: 'GET' | 'POST';
  body?: Uint8Array;
  headers?: Record<string, string>;
}

export interface Fetched {
  body: Uint8Array;
  contentType: string | null;
  /** the URL that answered (after redirects) */
  url: string;
}

/** How a fetch ended, for reports: `code: detail` with the stable code first. */
export type FetchOutcome =
  | { status: 'ok'; fetched: Fetched }
  | { status: 'error'; code: ProbeErrorCode; error: string }
  | { status: 'blocked'; error: string; blockedBy: string | null };

const DEFAULT_REDIRECTS = 2;

/** Thrown inside a fetch when the policy refuses every address; becomes status 'blocked'. */
export class BlockedError extends Error {
  constructor(
    readonly blockedBy: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Fetch under the policy, caps and deadline; never rejects. */
export async function guardedFetch(req: GuardedRequest, opts: GuardedFetchOptions): Promise<FetchOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  const onOuter = () => controller.abort();
  if (opts.signal?.aborted) controller.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  try {
    return { status: 'ok', fetched: await followRedirects(req, opts, controller.signal) };
  } catch (err) {
    if (err instanceof BlockedError) return { status: 'blocked', error: err.message, blockedBy: err.blockedBy };
    if (controller.signal.aborted && !(err instanceof ProbeError)) {
      const why = opts.signal?.aborted ? 'before the probe deadline' : `within ${opts.timeoutMs} ms`;
      return {
        status: 'error',
        code: 'connection_timeout',
        error: `connection_timeout: no complete answer from ${quote(req.url)} ${why}`,
      };
    }
    return { status: 'error', ...describeFetchError(err, req.url) };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuter);
  }
}

async function followRedirects(req: GuardedRequest, opts: GuardedFetchOptions, signal: AbortSignal): Promise<Fetched> {
  const max = req.method === 'POST' ? 0 : (opts.maxRedirects ?? DEFAULT_REDIRECTS);
  let current = req.url;
  for (let hop = 0; ; hop++) {
    const answer = await fetchOnce({ ...req, url: current }, opts, signal);
    if ('body' in answer) return answer;
    if (hop >= max) {
      throw new ProbeError(
        'fetch_failed',
        max === 0
          ? `fetch_failed: ${quote(req.url)} redirected to ${quote(answer.location)}; redirects are not followed here`
          : `fetch_failed: more than ${max} redirects from ${quote(req.url)}`,
      );
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
    throw new ProbeError('fetch_failed', `fetch_failed: only http(s):// URLs are fetched, not ${quote(url.protocol)}`);
  }
  return url;
}

/** Resolve once and return the first address the policy allows, or throw BlockedError naming the range. */
async function checkedAddress(
  url: URL,
  opts: GuardedFetchOptions,
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

async function fetchOnce(
  req: GuardedRequest,
  opts: GuardedFetchOptions,
  signal: AbortSignal,
): Promise<Fetched | { location: string }> {
  const url = parseUrl(req.url);
  const target = await checkedAddress(url, opts, signal);
  // Loaded on first use: a check whose certificates name no AIA, CRL or OCSP URL never pays for undici.
  const { Agent, request } = await import('undici');
  // https: Node's store, plus NODE_EXTRA_CA_CERTS when bin/cert-doctor moved it aside (node-extra-ca.ts)
  const secureContext = url.protocol === 'https:' ? fetchSecureContext() : undefined;
  const connect = { lookup: pinnedLookup(target.address, target.family), ...(secureContext ? { secureContext } : {}) };
  const dispatcher = new Agent({ connect, pipelining: 0 });
  try {
    const res = await request(url, {
      method: req.method ?? 'GET',
      dispatcher,
      signal,
      headers: req.headers,
      body: req.body ? Buffer.from(req.body) : undefined,
    });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      await res.body.dump();
      return { location: new URL(location, url).toString() };
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new ProbeError(
        'fetch_failed',
        `fetch_failed: ${quote(req.url)} answered HTTP ${res.statusCode}, expected 200`,
      );
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      res.body.destroy();
      throw tooLarge(req.url, opts.maxBytes);
    }
    const body = await readCapped(res.body, opts.maxBytes, req.url);
    const type = res.headers['content-type'];
    return { body, contentType: typeof type === 'string' ? type : null, url: req.url };
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

const tooLarge = (url: string, max: number) =>
  new ProbeError('too_large', `too_large: ${quote(url)} sent more than ${max} bytes`);

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): void }, max: number, url: string) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw tooLarge(url, max);
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
export function describeFetchError(err: unknown, url: string): { code: ProbeErrorCode; error: string } {
  if (err instanceof ProbeError) return { code: err.code as ProbeErrorCode, error: err.message };
  const e = err as { code?: string; message?: string };
  const code = NODE_CODES[e.code ?? ''] ?? 'fetch_failed';
  return {
    code,
    error: `${code}: fetching ${quote(url)} failed: ${e.message ?? String(err)}${e.code ? ` (${e.code})` : ''}`,
  };
}
