/**
 * The probe's entry to revocation: one call per endpoint, once its chain is built. Fetches share the probe's
 * address policy and overall deadline (guardedFetch); each is also bounded on its own so one hanging
 * responder cannot use up what the rest of the probe has left.
 */
import type { AddressPolicyLike } from '../fetch.js';
import type { LookupFn } from '../resolve.js';
import type { Attempt, ChainReport, HandshakeResult, RevocationReport } from '../types.js';
import type { CrlCache, OcspCache } from './check.js';
import { summarise } from './summary.js';

export interface RevocationProbeOptions {
  policy: AddressPolicyLike;
  lookup?: LookupFn;
  /** the probe's deadline */
  signal: AbortSignal;
  /** ms left of the probe's deadline */
  remaining: () => number;
  now: Date;
  cache?: CrlCache;
  /** default: one per process (ocsp-fetch.ts) */
  ocspCache?: OcspCache;
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
  const quick = staple === null ? withoutPointers(chain.result) : null;
  if (quick) return { status: 'completed', result: quick };
  try {
    // Loaded on first use (asn1js, the @peculiar schemas, undici): most of a cold CLI check's CPU otherwise.
    const [{ checkRevocation }, { guardedFetch }] = await Promise.all([import('./check.js'), import('../fetch.js')]);
    const result = await checkRevocation(
      { built: chain.result.built, sources: chain.result.sources, staple },
      {
        now: opts.now,
        cache: opts.cache,
        ocspCache: opts.ocspCache,
        fetch: (req, maxBytes, signal) =>
          guardedFetch(req, {
            policy: opts.policy,
            lookup: opts.lookup,
            signal: signal ? AbortSignal.any([opts.signal, signal]) : opts.signal,
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

/**
 * No staple and no certificate on the path (but anchors and self-signed ones) naming a CRL or OCSP URL: nothing
 * can be fetched or parsed, and the report is what checkRevocation would give — every certificate unchecked with
 * no pointers, a note for one whose issuer is not on the path. Null when there is something to check.
 */
function withoutPointers(chain: ChainReport): RevocationReport | null {
  const notes: string[] = [];
  const certs = [];
  for (const [i, info] of chain.built.entries()) {
    if (chain.sources[i] === 'trust_store' || info.selfSigned === true) continue;
    if (info.crlDistributionPoints.length > 0 || info.aia.ocsp.length > 0) return null;
    if (!chain.built[i + 1])
      notes.push(`the issuer of ${info.subjectCN ?? info.subject} is unknown: its revocation was not checked`);
    certs.push(summarise(info, i, []));
  }
  return { certs, mustStaple: chain.built[0]?.mustStaple ?? false, stapled: false, notes };
}
