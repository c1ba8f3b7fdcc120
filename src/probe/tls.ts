import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls, { type SecureVersion } from 'node:tls';
import { trace } from '../trace.js';
import { type ErrorContext, hostPort, normaliseError, ProbeError, quote } from './errors.js';
import { takeConnection } from './preconnect.js';
import { needsStarttls, negotiateStarttls } from './starttls.js';
import { TapStream } from './tap.js';
import { libraryChain, parseAll } from './tls-chain.js';
import { CLIENT_CERT_GRACE_MS, clientCertRequestOf, refusalOf, versionName } from './tls-client-cert.js';
import { clientContext, LEGACY_CIPHERS } from './tls-context.js';
import {
  extractServerCertificates,
  looksLikeTls,
  printablePrefix,
  type ServerFlight,
  serverHandshakeSecret,
} from './tls-records.js';
import type { Attempt, HandshakeResult, PhaseTimings, TargetProtocol } from './types.js';

export { libraryChain } from './tls-chain.js';

export interface HandshakeOptions {
  /** an IP address, already checked by the address policy; never a name (no second lookup: DNS rebinding) */
  address: string;
  port: number;
  /** SNI to send; null sends none (RFC 6066 §3: never an IP literal) */
  servername: string | null;
  /** bounds the whole attempt, connect to Finished */
  timeoutMs: number;
  signal?: AbortSignal;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** allow TLS 1.0/1.1 and weak ciphers (OpenSSL 3 refuses them at the default security level) */
  legacy?: boolean;
  alpn?: string[];
  /** false skips recovering and parsing the chain (protocol scan) */
  chain?: boolean;
  /** cap on captured server bytes before the handshake completes */
  maxBytes?: number;
  /** speak this protocol's plaintext upgrade before TLS (smtp, imap, …); 'https' and 'tls' start in TLS */
  starttls?: TargetProtocol;
  /** the name the plaintext protocol addresses (XMPP stream `to`); default: servername. A no-SNI probe of an
   * XMPP server still names the domain in its stream, as every real client does. */
  starttlsHost?: string | null;
  /** leave a completed connection open for the caller (handshakeOpen) */
  keepOpen?: boolean;
  /**
   * handshakeOpen only: called once the handshake has completed (no client-certificate verdict pending), before
   * the sent chain is parsed, with the connection and the result so far (sentChain still empty): a request can
   * leave before that parsing (issue 12: it sits between the server's flight and the GET otherwise). The
   * attempt itself settles a turn later, with the chain, as without the hook.
   */
  onReady?: (ready: OpenHandshake) => void;
}

/** A completed handshake's connection, still open: the caller owns it and must destroy it. */
export interface OpenHandshake {
  attempt: Attempt<HandshakeResult>;
  socket: tls.TLSSocket | null;
}

/**
 * ALPN a real client of the protocol offers. PostgreSQL 17 aborts with no_application_protocol when a
 * client offers ALPN without "postgresql" (RFC 7301 §3.2), so h2 there would hide the certificate; mail,
 * FTP, XMPP and LDAP clients offer none.
 */
export function defaultAlpn(starttls: TargetProtocol | undefined): string[] | undefined {
  if (starttls === 'postgres') return ['postgresql'];
  return needsStarttls(starttls) ? undefined : ['h2', 'http/1.1'];
}

export const DEFAULT_MAX_HANDSHAKE_BYTES = 512 * 1024;

/**
 * One TLS handshake against a fixed address. Never throws for anything the server does: every failure
 * comes back as an error attempt with a stable code. rejectUnauthorized is off because we verify the
 * chain ourselves and must see it even when it is broken.
 */
export function handshake(opts: HandshakeOptions): Promise<Attempt<HandshakeResult>> {
  if (net.isIP(opts.address) === 0) {
    const error = `handshake needs an IP address, not a name: ${quote(opts.address)}`;
    return Promise.resolve({ status: 'error', code: 'bug', error });
  }
  return new Promise((resolve) => new Session({ ...opts, keepOpen: false }, resolve).start());
}

/**
 * The same handshake, leaving a completed connection open so the HTTP request can ride on it (issue 12:
 * one connection, one full handshake, for the chain, the version and the headers).
 */
export function handshakeOpen(opts: HandshakeOptions): Promise<OpenHandshake> {
  if (net.isIP(opts.address) === 0) return handshake(opts).then((attempt) => ({ attempt, socket: null }));
  return new Promise((resolve) => {
    new Session({ ...opts, keepOpen: true }, (attempt, socket) => resolve({ attempt, socket })).start();
  });
}

class Session {
  private readonly ctx: ErrorContext;
  private started = performance.now();
  private connectedAt: number | null = null;
  /** when our ClientHello could go out: after connect, or after the STARTTLS upgrade */
  private tlsStartAt: number | null = null;
  private negotiating = false;
  private readonly captured: Buffer[] = [];
  private capturedBytes = 0;
  private readonly keylog: string[] = [];
  private staple: Buffer | null = null;
  private raw: net.Socket | null = null;
  private sock: tls.TLSSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** a completed TLS 1.3 handshake whose server asked for a client certificate, until it shows whether it requires one */
  private awaiting: HandshakeResult | null = null;
  private grace: NodeJS.Timeout | null = null;
  private settled = false;
  /** completed and handed to onReady; settles a turn later, and nothing that happens meanwhile changes that */
  private succeeding = false;
  private readonly onAbort = () => this.timeout(`before the probe deadline (step timeout ${this.opts.timeoutMs} ms)`);

  constructor(
    private readonly opts: HandshakeOptions,
    private readonly resolve: (a: Attempt<HandshakeResult>, socket: tls.TLSSocket | null) => void,
  ) {
    this.ctx = {
      host: opts.address,
      port: opts.port,
      sni: opts.servername,
      timeoutMs: opts.timeoutMs,
      phase: 'connect',
    };
  }

  start(): void {
    if (this.opts.signal?.aborted) {
      this.onAbort();
      return;
    }
    this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(() => this.timeout(`within ${this.opts.timeoutMs} ms`), this.opts.timeoutMs);
    try {
      this.connect();
    } catch (err) {
      this.fail(err);
    }
  }

  private connect(): void {
    const { opts } = this;
    // a one-shot CLI check may have opened this connection before the program loaded (preconnect.ts): the
    // main handshake's, never the no-SNI one's (EARLY_CONNECTIONS says why)
    const early = opts.keepOpen ? takeConnection(opts.address, opts.port) : undefined;
    if (early) this.started = early.startedAt;
    const raw = early?.socket ?? net.connect({ host: opts.address, port: opts.port });
    this.raw = raw;
    const starttls = needsStarttls(opts.starttls) ? opts.starttls : null;
    const connected = (at = performance.now()) => {
      trace(`tls: connected (SNI ${opts.servername}, ${opts.minVersion ?? ''}-${opts.maxVersion ?? ''})`);
      this.connectedAt = at;
      this.ctx.phase = 'handshake';
      if (starttls !== null) this.upgrade(raw, starttls);
    };
    if (early !== undefined && early.connectedAt !== null) connected(early.connectedAt);
    else raw.once('connect', () => connected());
    // While STARTTLS runs, its own reader reports errors and closes with the protocol step they hit.
    raw.on('error', (err) => this.negotiating || this.fail(err));
    raw.on('close', () => setImmediate(() => this.negotiating || this.closedEarly()));
    // net.connect to an address sends its SYN from a nextTick; queued after it, the TLS set-up (a
    // SecureContext, the ClientHello, Node's isIP on the SNI name: ~3-5 ms on a cold process) runs while the
    // connect is under way instead of ahead of it. The ClientHello waits in the socket until it connects.
    if (starttls === null) process.nextTick(() => this.startTlsSafely(raw));
  }

  private startTlsSafely(raw: net.Socket): void {
    if (this.settled) return;
    try {
      this.startTls(raw);
    } catch (err) {
      this.fail(err);
    }
  }

  private upgrade(raw: net.Socket, protocol: TargetProtocol): void {
    this.negotiating = true;
    const elapsed = performance.now() - this.started;
    negotiateStarttls(raw, protocol, {
      host: this.opts.starttlsHost ?? this.opts.servername,
      // No signal: this session already turns an abort into its own timeout, which ends the negotiation.
      timeoutMs: Math.max(1, Math.floor(this.opts.timeoutMs - elapsed)),
    }).then(
      () => {
        this.negotiating = false;
        if (this.settled) return;
        try {
          this.startTls(raw);
        } catch (err) {
          this.fail(err);
        }
      },
      (err: unknown) => {
        this.negotiating = false;
        this.fail(err);
      },
    );
  }

  private startTls(raw: net.Socket): void {
    const { opts } = this;
    this.tlsStartAt = this.connectedAt === null ? null : performance.now();
    const tap = new TapStream(raw, (chunk) => this.onData(chunk));
    tap.on('error', () => {}); // the same error reaches us through raw's 'error' listener
    // requestOCSP is honoured by tls.connect but missing from @types/node's ConnectionOptions.
    const options: tls.ConnectionOptions & { requestOCSP: boolean } = {
      socket: tap,
      servername: opts.servername ?? undefined,
      rejectUnauthorized: false,
      requestOCSP: true,
      ALPNProtocols: opts.alpn ?? defaultAlpn(opts.starttls),
      secureContext: clientContext({
        minVersion: opts.minVersion ?? (opts.legacy ? 'TLSv1' : undefined),
        maxVersion: opts.maxVersion,
        ciphers: opts.legacy ? LEGACY_CIPHERS : undefined,
      }),
    };
    trace(`tls: connecting (SNI ${opts.servername})`);
    const sock = tls.connect(options);
    this.sock = sock;
    sock.on('keylog', (line: Buffer) => this.keylog.push(line.toString('latin1')));
    // Emitted with null when the server stapled nothing.
    sock.on('OCSPResponse', (res: Buffer | null) => {
      this.staple = res && res.length > 0 ? res : null;
    });
    sock.once('secureConnect', () => this.succeed(sock));
    sock.on('error', (err) => this.fail(err));
  }

  private onData(chunk: Buffer): void {
    if (this.settled || this.succeeding) return;
    this.captured.push(chunk);
    this.capturedBytes += chunk.length;
    const head = this.captured.length === 1 ? chunk : Buffer.concat(this.captured.slice(0, 2));
    if (!looksLikeTls(head)) {
      this.notTls();
      return;
    }
    const cap = this.opts.maxBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES;
    if (this.capturedBytes > cap) {
      this.settle({
        status: 'error',
        code: 'too_large',
        error: `${this.where()} sent more than ${cap} bytes without finishing the handshake`,
      });
    }
  }

  private notTls(): void {
    const head = Buffer.concat(this.captured);
    this.settle({
      status: 'error',
      code: 'not_tls',
      error: `${this.where()} does not speak TLS: it answered ${quote(printablePrefix(head))}`,
    });
  }

  private succeed(sock: tls.TLSSocket): void {
    trace(`tls: handshake done (SNI ${this.opts.servername})`);
    if (this.settled || this.succeeding) return;
    let result: HandshakeResult;
    let ders: Buffer[] = [];
    try {
      result = {
        protocol: sock.getProtocol() ?? null,
        cipher: sock.getCipher()?.name ?? null,
        alpn: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : null,
        sentChain: [],
        ocspStaple: this.staple ? this.staple.toString('base64') : null,
        timings: this.timings(performance.now()),
      };
      if (this.opts.chain !== false) {
        const sent = this.chainAsSent(sock);
        ders = sent.ders;
        result.sentChainSource = sent.source;
        const { flight } = sent;
        // Up to TLS 1.2 the server judged our empty Certificate before its Finished: completing means optional.
        const request = flight && clientCertRequestOf(flight, result.protocol === 'TLSv1.3' ? null : false);
        if (request) result.clientCertRequest = request;
      }
    } catch (err) {
      this.fail(err);
      return;
    }
    const complete = (): boolean => {
      try {
        if (this.opts.chain !== false) result.sentChain = parseAll(ders, true);
        return true;
      } catch (err) {
        this.fail(err);
        return false;
      }
    };
    const onReady = this.opts.keepOpen ? this.opts.onReady : undefined;
    if (result.clientCertRequest?.required === null || onReady === undefined) {
      if (!complete()) return;
      if (result.clientCertRequest?.required === null) this.awaitVerdict(sock, result);
      else this.settle({ status: 'completed', result });
      return;
    }
    this.succeeding = true;
    try {
      onReady({ attempt: { status: 'completed', result: { ...result } }, socket: sock });
    } catch {
      // the caller's hook never changes this handshake's outcome
    }
    // Two turns: our Finished's write completes in the first (node's JS stream socket reports it from an
    // immediate), and the request queued behind it leaves then, ahead of this parse.
    setImmediate(() =>
      setImmediate(() => {
        this.succeeding = false;
        if (complete()) this.settle({ status: 'completed', result });
      }),
    );
  }

  private timings(until: number | null): PhaseTimings {
    const end = until ?? performance.now();
    const connectedAt = this.connectedAt ?? end;
    const tlsStartAt = this.tlsStartAt ?? connectedAt;
    return {
      connectMs: round(connectedAt - this.started),
      tlsMs: until === null ? null : round(end - tlsStartAt),
      ...(needsStarttls(this.opts.starttls) ? { starttlsMs: round(tlsStartAt - connectedAt) } : {}),
    };
  }

  /** The chain from the wire, in the order sent; the TLS library's re-ordered view if that fails. */
  private chainAsSent(sock: tls.TLSSocket): {
    ders: Buffer[];
    source: 'wire' | 'tls_library';
    flight: ServerFlight | null;
  } {
    const flight = this.flight(true);
    if (flight && flight.certificates.length > 0) return { ders: flight.certificates, source: 'wire', flight };
    return { ders: libraryChain(sock.getPeerCertificate(true)), source: 'tls_library', flight };
  }

  /** The server's flight as captured so far, or null when it cannot be recovered. */
  private flight(completed = false): ServerFlight | null {
    try {
      const secret = serverHandshakeSecret(this.keylog.join('\n'));
      return extractServerCertificates(Buffer.concat(this.captured), secret, completed);
    } catch {
      // Unusual framing or a cipher we cannot decrypt: Node's view still names the certificates.
      return null;
    }
  }

  /**
   * TLS 1.3 after a CertificateRequest: the server reads our empty Certificate only after our Finished, so
   * its refusal (an alert, a close) or its acceptance (a NewSessionTicket: 'session') comes afterwards.
   */
  private awaitVerdict(sock: tls.TLSSocket, result: HandshakeResult): void {
    this.awaiting = result;
    sock.once('session', () => this.verdict(false, null));
    this.grace = setTimeout(() => this.verdict(false, null), CLIENT_CERT_GRACE_MS);
  }

  private verdict(required: boolean | null, refusal: string | null): void {
    const result = this.awaiting;
    if (result === null || result.clientCertRequest === undefined) return;
    this.awaiting = null;
    result.clientCertRequest = { ...result.clientCertRequest, required, refusal };
    this.settle({ status: 'completed', result });
  }

  /**
   * What a failed handshake had already shown. A refusal right after the server's CertificateRequest is the
   * server working as configured, so it still counts as completed (TLS 1.2 servers send Certificate and
   * CertificateRequest in plaintext before judging ours); any other late failure keeps the chain as `partial`.
   */
  private failed(err: unknown): Attempt<HandshakeResult> {
    const { code, error } = normaliseError(err, this.ctx);
    const flight = this.captured.length > 0 ? this.flight() : null;
    if (flight === null) return { status: 'error', code, error };
    const refusal = refusalOf(err, code);
    const request = clientCertRequestOf(flight, refusal === null ? null : true, refusal);
    const chain = this.opts.chain !== false;
    const seen: HandshakeResult = {
      protocol: versionName(flight.version),
      cipher: this.sock?.getCipher()?.name ?? null,
      alpn: null,
      sentChain: chain ? parseAll(flight.certificates) : [],
      ...(chain ? { sentChainSource: 'wire' as const } : {}),
      ocspStaple: this.staple ? this.staple.toString('base64') : null,
      timings: this.timings(refusal === null ? null : performance.now()),
      ...(request ? { clientCertRequest: request } : {}),
    };
    if (request?.required) return { status: 'completed', result: seen };
    return { status: 'error', code, error, partial: seen };
  }

  private closedEarly(): void {
    if (this.settled || this.succeeding) return;
    if (this.awaiting) {
      this.verdict(true, 'the server closed the connection');
      return;
    }
    this.fail(Object.assign(new Error('connection closed before the handshake finished'), { code: 'ECONNRESET' }));
  }

  private timeout(when: string): void {
    if (this.succeeding) return;
    if (this.awaiting) {
      this.verdict(null, null);
      return;
    }
    const what =
      this.connectedAt === null
        ? 'did not accept a TCP connection'
        : this.negotiating
          ? `did not finish the ${this.opts.starttls} STARTTLS negotiation`
          : 'did not finish the TLS handshake';
    this.fail(new ProbeError('connection_timeout', `${this.where()} ${what} ${when}`));
  }

  private fail(err: unknown): void {
    if (this.settled || this.succeeding) return;
    if (this.awaiting) {
      const { code } = normaliseError(err, this.ctx);
      this.verdict(true, refusalOf(err, code) ?? `the connection failed (${code})`);
      return;
    }
    // OpenSSL's verdict on non-TLS bytes ("wrong version number") says less than the bytes themselves.
    if (this.capturedBytes > 0 && !looksLikeTls(Buffer.concat(this.captured))) {
      this.notTls();
      return;
    }
    let attempt: Attempt<HandshakeResult>;
    try {
      attempt = this.failed(err);
    } catch {
      attempt = { status: 'error', ...normaliseError(err, this.ctx) };
    }
    this.settle(attempt);
  }

  private settle(result: Attempt<HandshakeResult>): void {
    if (this.settled) return;
    this.settled = true;
    // Accepted, then silent, is its own condition (a PROXY-protocol listener, a service that is not TLS, a
    // stuck terminator), whichever timer fired; connection_timeout stays for a SYN that is never answered.
    const accepted = result.status === 'error' && result.code === 'connection_timeout' && this.connectedAt !== null;
    const attempt: Attempt<HandshakeResult> = accepted ? { ...result, code: 'handshake_timeout' } : result;
    if (this.timer) clearTimeout(this.timer);
    if (this.grace) clearTimeout(this.grace);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    const sock = this.sock;
    if (this.opts.keepOpen && attempt.status === 'completed' && sock !== null && !sock.destroyed) {
      this.resolve(attempt, sock);
      return;
    }
    sock?.destroy();
    this.raw?.destroy();
    this.resolve(attempt, null);
  }

  private where(): string {
    return `${hostPort(this.opts.address, this.opts.port)} (SNI ${this.opts.servername ?? 'none'})`;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
