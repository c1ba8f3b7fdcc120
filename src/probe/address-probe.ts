/**
 * Everything probed on one address, concurrently, under the probe's deadline (issues 6 and 12):
 * - the main handshake with SNI, kept open: its chain, its negotiated version (which answers the scan for
 *   TLS 1.3), and the connection the HTTP request rides on;
 * - the no-SNI handshake (full: its leaf is compared);
 * - the protocol scan, one ClientHello per version that stops at the ServerHello or alert. TLS 1.0–1.2 start
 *   at once (a probe costs connect plus one round trip, less than the main handshake plus its request); TLS
 *   1.3 is probed only when the main handshake did not already negotiate it.
 * Connections per address for a TLS 1.3 server: main, no-SNI, three version probes; two full handshakes.
 */

import { afterPoll } from '../event-loop.js';
import { readFlight } from './flight-read.js';
import { preloadHttp, requestOver } from './http.js';
import { type HttpMode, planHttp } from './http-plan.js';
import { SCAN_AT_ONCE } from './preconnect.js';
import { scanProtocols, tryVersion } from './protocols.js';
import { type HandshakeOptions, handshake, handshakeOpen, type OpenHandshake } from './tls.js';
import { warmRecordDecryption } from './tls-records.js';
import type {
  Attempt,
  HandshakeResult,
  HttpResult,
  ProtocolSupport,
  ResolvedAddress,
  Target,
  TlsVersion,
} from './types.js';

export interface AddressProbeOptions {
  target: Target;
  address: ResolvedAddress;
  signal: AbortSignal;
  /** ms left before the probe's deadline, read when each step starts */
  remaining: () => number;
  /** the probe's clock now (injected start + elapsed) */
  now: () => Date;
  http: HttpMode;
  /** false: no protocol scan (sweep profile between full runs) */
  scan: boolean;
  /** false: no no-SNI handshake (sweep profile) */
  noSni: boolean;
  /** false: no HTTP request (light sweep profile), whatever `http` says */
  httpStep?: boolean;
  /** true: the no-SNI handshake, and the main one when no HTTP request rides on it, read the flight (flight-read.ts) */
  flightRead?: boolean;
  /** why scan, noSni or httpStep is off, for the skipped attempts */
  skippedWhy: string;
}

export interface AddressOutcome {
  handshake: Attempt<HandshakeResult>;
  noSni: Attempt<HandshakeResult>;
  protocols: Attempt<ProtocolSupport>;
  http: Attempt<HttpResult>;
}

/** Transport failures of the main handshake that every version probe would meet the same way. */
const SHARED_FAILURES = new Set(['connection_refused', 'connection_timeout', 'handshake_timeout', 'not_tls']);

export async function probeAddress(opts: AddressProbeOptions, onHandshake?: (hs: Attempt<HandshakeResult>) => void) {
  const { target } = opts;
  const common = {
    address: opts.address.address,
    port: target.port,
    signal: opts.signal,
    starttls: target.protocol,
  };
  // legacy: a server that only speaks TLS 1.0/1.1 or sends a weak key still shows us its chain; this
  // handshake observes, it never trusts, so OpenSSL's security level must not hide what was sent.
  const mainOpts: HandshakeOptions = { ...common, servername: target.sni, timeoutMs: opts.remaining(), legacy: true };
  // The main handshake is on the critical path (connect, handshake, then the GET): its ClientHello goes out
  // first. The other steps start once the event loop has polled, so a loopback connect has completed and that
  // ClientHello is written (src/event-loop.ts); making theirs (cold: a SecureContext each) would otherwise delay it.
  // the request leaves as soon as the handshake completes, before its chain is parsed (tls.ts onReady)
  let httpEarly: Promise<Attempt<HttpResult>> | undefined;
  const opening: Promise<OpenHandshake> =
    opts.flightRead && (opts.httpStep === false || opts.http === 'off')
      ? readFlight(mainOpts).then((attempt) => ({ attempt, socket: null }))
      : handshakeOpen({
          ...mainOpts,
          onReady: (ready) => {
            httpEarly = httpStep(opts, ready);
          },
        });
  await afterPoll();
  // The no-SNI handshake next, and its SYN and ClientHello out (they leave from nextTicks, run once this turn's
  // work is done) before the rest: the scan's connections may be open already (the CLI's launcher opens them,
  // preconnect.ts) and its ClientHellos take a few ms to make; the HTTP warm-up only has to precede the flight.
  const noSni = noSniHandshake(opts, common);
  if (opts.noSni && target.sni !== null) await new Promise<void>((resolve) => setImmediate(resolve));
  if (opts.http !== 'off' && opts.httpStep !== false) preloadHttp();
  warmRecordDecryption();
  const scanOpts = { ...common, servername: target.sni, timeoutMs: opts.remaining() };
  const early = opts.scan ? SCAN_AT_ONCE.map((v) => [v, tryVersion(scanOpts, v)] as const) : [];
  const main = await opening;
  const http = httpEarly ?? httpStep(opts, main);
  onHandshake?.(main.attempt);
  const protocols = opts.scan
    ? scanProtocols({
        ...scanOpts,
        timeoutMs: opts.remaining(),
        known: { ...Object.fromEntries(early), ...knownFromMain(main.attempt) },
      })
    : Promise.resolve<Attempt<ProtocolSupport>>({ status: 'skipped', why: opts.skippedWhy });
  return {
    handshake: main.attempt,
    noSni: await noSni,
    protocols: await protocols,
    http: await http,
  } satisfies AddressOutcome;
}

function noSniHandshake(
  opts: AddressProbeOptions,
  common: Omit<HandshakeOptions, 'servername' | 'timeoutMs'>,
): Promise<Attempt<HandshakeResult>> {
  if (opts.target.sni === null) {
    return Promise.resolve({ status: 'skipped', why: 'IP target: the handshake already has no SNI' });
  }
  if (!opts.noSni) return Promise.resolve({ status: 'skipped', why: opts.skippedWhy });
  return (opts.flightRead ? readFlight : handshake)({
    ...common,
    servername: null,
    starttlsHost: opts.target.sni,
    timeoutMs: opts.remaining(),
    legacy: true,
  });
}

/**
 * The scan's answer the main handshake already gives. A completed TLS 1.3 handshake answers TLS 1.3 (its
 * suites are the same at every security level). TLS 1.2 keeps its own probe: the main handshake offered
 * level-0 ciphers a default client does not. A refused, silent or non-TLS port fails every probe alike.
 */
function knownFromMain(hs: Attempt<HandshakeResult>): Partial<Record<TlsVersion, Attempt<boolean>>> {
  if (hs.status === 'completed' && hs.result.protocol === 'TLSv1.3') {
    return { 'TLSv1.3': { status: 'completed', result: true } };
  }
  if (hs.status === 'error' && hs.partial === undefined && SHARED_FAILURES.has(hs.code)) {
    return { 'TLSv1.3': { status: 'error', code: hs.code, error: hs.error } };
  }
  return {};
}

async function httpStep(opts: AddressProbeOptions, main: OpenHandshake): Promise<Attempt<HttpResult>> {
  if (opts.httpStep === false) {
    main.socket?.destroy();
    return { status: 'skipped', why: opts.skippedWhy };
  }
  const plan = planHttp(opts.target, main, opts.http);
  if (!plan.send) {
    main.socket?.destroy();
    return plan.outcome;
  }
  const socket = main.socket!;
  const left = opts.remaining();
  return requestOver(socket, {
    hostHeader: hostHeader(opts.target),
    timeoutMs: plan.waitMs === null ? left : Math.min(plan.waitMs, left),
    now: opts.now(),
    signal: opts.signal,
  });
}

export function hostHeader(target: Target): string {
  const host = target.ipVersion === 6 ? `[${target.host}]` : target.host;
  return target.port === 443 ? host : `${host}:${target.port}`;
}
