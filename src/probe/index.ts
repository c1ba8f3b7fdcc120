/**
 * The probe orchestrator: resolve once, then probe every address concurrently under one deadline
 * (address-probe.ts: handshakes, protocol scan, HTTP request), then build each chain.
 * Returns a plain ProbeReport; never throws for anything a server does.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { trace } from '../trace.js';
import type { AddressPolicy } from './address-policy.js';
import { probeAddress } from './address-probe.js';
import type { AiaFetcher } from './aia.js';
import { buildChain } from './chain.js';
import type { HttpMode } from './http-plan.js';
import type { ProbeSteps } from './profile.js';
import { type LookupFn, probeAddresses, resolveTarget } from './resolve.js';
import { revocationFor } from './revocation/index.js';
import type { TrustStore } from './trust.js';
import type { Attempt, ChainReport, EndpointReport, HandshakeResult, ProbeReport, Target } from './types.js';

export type ProbePhase = 'resolved' | 'handshake' | 'chain';

export interface ProbeOptions {
  /** the injected clock at the start of the probe */
  now: Date;
  /** overall deadline, ms */
  timeoutMs: number;
  policy: AddressPolicy;
  trust: TrustStore;
  fetchAia?: AiaFetcher;
  lookup?: LookupFn;
  /** addresses probed at most (DESIGN: up to 8) */
  maxAddresses?: number;
  onPhase?: (phase: ProbePhase, detail: string) => void;
  /** how many extra anchors the caller added (for the record) */
  extraCaCount?: number;
  /** whether the HTTP request is sent (http-plan.ts); default auto */
  http?: HttpMode;
  /** which optional steps run (profile.ts); default all */
  steps?: ProbeSteps;
}

const skipped = <T>(why: string): Attempt<T> => ({ status: 'skipped', why });

export async function probe(target: Target, opts: ProbeOptions): Promise<ProbeReport> {
  const t0 = performance.now();
  const deadline = new AbortController();
  // every per-address step (handshakes, scans, HTTP) listens on the one deadline: up to 8 addresses × 7 steps
  setMaxListeners(128, deadline.signal);
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
  const remaining = () => Math.max(1, Math.floor(opts.timeoutMs - (performance.now() - t0)));
  const phase = (p: ProbePhase, detail: string) => {
    try {
      opts.onPhase?.(p, detail);
    } catch {
      // a progress callback must never break a probe
    }
  };
  try {
    const resolution = await resolveTarget(target, {
      policy: opts.policy,
      timeoutMs: remaining(),
      lookup: opts.lookup,
    });
    const dnsMs = performance.now() - t0;
    trace('probe: resolved');
    const base = {
      target,
      startedAt: opts.now.toISOString(),
      resolution,
      revocation: skipped<unknown>('checked per endpoint: endpoints[].revocation'),
      options: { timeoutMs: opts.timeoutMs, extraCaCount: opts.extraCaCount ?? 0 },
    };
    const addresses =
      resolution.status === 'completed' ? probeAddresses(resolution.result, opts.maxAddresses ?? 8) : [];
    if (addresses.length === 0) {
      const why = resolution.status === 'completed' ? 'no address the policy allows' : 'resolution failed';
      return {
        ...base,
        endpoints: [],
        protocols: skipped(why),
        http: skipped(why),
        timings: { totalMs: performance.now() - t0, dnsMs },
      };
    }
    phase('resolved', addresses.map((a) => a.address).join(', '));
    const steps = opts.steps ?? { scan: true, noSni: true, skippedWhy: '' };
    const chains = new Map<string, Promise<Attempt<ChainReport>>>();
    const endpoints = addresses.map(async (addr, i): Promise<EndpointReport> => {
      // The chain is built (and its revocation checked) as soon as the main handshake shows it, while the
      // scan, the no-SNI handshake and the HTTP response are still on the wire.
      const judge = async (hs: Attempt<HandshakeResult>) => {
        // a turn later: the HTTP request, started with this handshake's result, leaves first
        await new Promise<void>((resolve) => setImmediate(resolve));
        // A handshake that failed after the server's Certificate still shows the chain every client gets.
        const seen = hs.status === 'completed' ? hs.result : hs.status === 'error' ? hs.partial : undefined;
        const chain =
          seen && (hs.status === 'completed' || seen.sentChain.length > 0)
            ? await chainFor(seen, chains, opts)
            : skipped<ChainReport>('no handshake');
        trace('probe: chain built');
        const revocation = await revocationFor(seen, chain, { ...opts, signal: deadline.signal, remaining });
        return { chain, revocation };
      };
      let judged: ReturnType<typeof judge> | undefined;
      const out = await probeAddress(
        {
          target,
          address: addr,
          signal: deadline.signal,
          remaining,
          now: () => new Date(opts.now.getTime() + (performance.now() - t0)),
          http: opts.http ?? 'auto',
          ...steps,
        },
        (hs) => {
          if (i === 0) phase('handshake', hs.status === 'completed' ? `${hs.result.protocol}` : hs.status);
          judged = judge(hs);
        },
      );
      const { chain, revocation } = await (judged ?? judge(out.handshake));
      return { address: addr.address, family: addr.family, ...out, chain, revocation };
    });
    const done = await Promise.all(endpoints);
    phase('chain', done[0]?.chain.status ?? 'skipped');
    const primary = done[0]!;
    return {
      ...base,
      endpoints: done,
      protocols: primary.protocols ?? skipped('no address was probed'),
      http: primary.http ?? skipped('no address was probed'),
      timings: { totalMs: performance.now() - t0, dnsMs },
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Endpoints that send the same chain share one chain build (and its AIA fetches). */
function chainFor(hs: HandshakeResult, cache: Map<string, Promise<Attempt<ChainReport>>>, opts: ProbeOptions) {
  const key = hs.sentChain.map((c) => ('sha256' in c ? c.sha256 : c.der)).join('|');
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = buildChain(hs.sentChain, { trust: opts.trust, fetchAia: opts.fetchAia, now: opts.now }).then(
      (result): Attempt<ChainReport> => ({ status: 'completed', result }),
      (err: unknown): Attempt<ChainReport> => ({ status: 'error', code: 'bug', error: String(err) }),
    );
    cache.set(key, pending);
  }
  return pending;
}
