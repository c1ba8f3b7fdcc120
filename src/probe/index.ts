/**
 * The probe orchestrator: resolve once, then overlap every sub-probe (handshakes per address, the
 * no-SNI handshake, the protocol scan, the HTTP request) under one deadline, then build each chain.
 * Returns a plain ProbeReport; never throws for anything a server does.
 */
import { performance } from 'node:perf_hooks';
import type { AddressPolicy } from './address-policy.js';
import type { AiaFetcher } from './aia.js';
import { buildChain } from './chain.js';
import { fetchHttpHeaders } from './http.js';
import { scanProtocols } from './protocols.js';
import { type LookupFn, probeAddresses, resolveTarget } from './resolve.js';
import { revocationFor } from './revocation/index.js';
import { handshake } from './tls.js';
import type { TrustStore } from './trust.js';
import type {
  Attempt,
  ChainReport,
  EndpointReport,
  HandshakeResult,
  HttpResult,
  ProbeReport,
  Target,
} from './types.js';

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
}

const skipped = <T>(why: string): Attempt<T> => ({ status: 'skipped', why });

export async function probe(target: Target, opts: ProbeOptions): Promise<ProbeReport> {
  const t0 = performance.now();
  const deadline = new AbortController();
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
    const primary = addresses[0]!;
    const common = { port: target.port, signal: deadline.signal, starttls: target.protocol };
    const protocols = scanProtocols({
      ...common,
      address: primary.address,
      servername: target.sni,
      timeoutMs: remaining(),
    });
    const http =
      target.protocol === 'https'
        ? fetchHttpHeaders({
            ...common,
            address: primary.address,
            servername: target.sni,
            hostHeader: hostHeader(target),
            timeoutMs: remaining(),
            now: new Date(opts.now.getTime() + (performance.now() - t0)),
          })
        : Promise.resolve(skipped<never>(`${target.protocol} target: no HTTP request`));
    const chains = new Map<string, Promise<Attempt<ChainReport>>>();
    const endpoints = addresses.map(async (addr, i): Promise<EndpointReport> => {
      // legacy: a server that only speaks TLS 1.0/1.1 or sends a weak key still shows us its chain; this
      // handshake observes, it never trusts, so OpenSSL's security level must not hide what was sent.
      const withSni = handshake({
        ...common,
        address: addr.address,
        servername: target.sni,
        timeoutMs: remaining(),
        legacy: true,
      });
      const noSni =
        target.sni === null
          ? Promise.resolve(skipped<HandshakeResult>('IP target: the handshake already has no SNI'))
          : handshake({
              ...common,
              address: addr.address,
              servername: null,
              starttlsHost: target.sni,
              timeoutMs: remaining(),
              legacy: true,
            });
      const hs = await withSni;
      if (i === 0) phase('handshake', hs.status === 'completed' ? `${hs.result.protocol}` : hs.status);
      // A handshake that failed after the server's Certificate still shows the chain every client gets.
      const seen = hs.status === 'completed' ? hs.result : hs.status === 'error' ? hs.partial : undefined;
      const chain =
        seen && (hs.status === 'completed' || seen.sentChain.length > 0)
          ? await chainFor(seen, chains, opts)
          : skipped<ChainReport>('no handshake');
      const revocation = await revocationFor(seen, chain, { ...opts, signal: deadline.signal, remaining });
      return { address: addr.address, family: addr.family, handshake: hs, noSni: await noSni, chain, revocation };
    });
    const done = await Promise.all(endpoints);
    phase('chain', done[0]?.chain.status ?? 'skipped');
    return {
      ...base,
      endpoints: done,
      protocols: await protocols,
      http: explainHttp(await http, done[0]),
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

/**
 * The HTTP request makes no client certificate either: when the primary handshake showed the server requires
 * one, its failure is that refusal (a TLS 1.2 server's handshake_failure alert names no reason on its own).
 */
function explainHttp(http: Attempt<HttpResult>, primary: EndpointReport | undefined): Attempt<HttpResult> {
  const hs = primary?.handshake;
  if (http.status !== 'error' || hs?.status !== 'completed' || hs.result.clientCertRequest?.required !== true) {
    return http;
  }
  if (http.code !== 'handshake_failed' && http.code !== 'connection_reset') return http;
  return { status: 'error', code: 'client_cert_required', error: `${http.error} (a client certificate is required)` };
}

function hostHeader(target: Target): string {
  const host = target.ipVersion === 6 ? `[${target.host}]` : target.host;
  return target.port === 443 ? host : `${host}:${target.port}`;
}
