/**
 * The probe's entry to revocation: one call per endpoint, once its chain is built. Fetches share the probe's
 * address policy and overall deadline (guardedFetch); each is also bounded on its own so one hanging
 * responder cannot use up what the rest of the probe has left.
 */
import { type AddressPolicyLike, guardedFetch } from '../fetch.js';
import type { LookupFn } from '../resolve.js';
import type { Attempt, ChainReport, HandshakeResult, RevocationReport } from '../types.js';
import { type CrlCache, checkRevocation } from './check.js';

export { checkRevocationOffline, type OfflineRevocationInput } from './offline.js';

export interface RevocationProbeOptions {
  policy: AddressPolicyLike;
  lookup?: LookupFn;
  /** the probe's deadline */
  signal: AbortSignal;
  /** ms left of the probe's deadline */
  remaining: () => number;
  now: Date;
  cache?: CrlCache;
}

/** One fetch (CRL or OCSP) at most this long, whatever the probe has left. */
export const REVOCATION_FETCH_MS = 4_000;

export async function revocationFor(
  hs: HandshakeResult | undefined,
  chain: Attempt<ChainReport>,
  opts: RevocationProbeOptions,
): Promise<Attempt<RevocationReport>> {
  if (chain.status !== 'completed') return { status: 'skipped', why: 'no chain was built' };
  const staple = hs?.ocspStaple ? new Uint8Array(Buffer.from(hs.ocspStaple, 'base64')) : null;
  try {
    const result = await checkRevocation(
      { built: chain.result.built, sources: chain.result.sources, staple },
      {
        now: opts.now,
        cache: opts.cache,
        fetch: (req, maxBytes) =>
          guardedFetch(req, {
            policy: opts.policy,
            lookup: opts.lookup,
            signal: opts.signal,
            maxBytes,
            timeoutMs: Math.min(REVOCATION_FETCH_MS, opts.remaining()),
          }),
      },
    );
    return { status: 'completed', result };
  } catch (err) {
    return { status: 'error', code: 'bug', error: `bug: revocation check threw: ${(err as Error).message}` };
  }
}
