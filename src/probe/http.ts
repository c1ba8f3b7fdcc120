/**
 * One `GET /` for the Date (clock skew), Server and HSTS headers, sent over the main handshake's own
 * connection (issue 12: no second connection or handshake). Of the body only the first 16 KiB are read, for
 * error-page stack signatures (http-body.ts). HTTP/2 when ALPN chose
 * h2 (node:http2 over the socket), else HTTP/1.1 (node:http over the socket). Not undici: its HTTP/1 parser
 * is WebAssembly that V8 compiles on first use (~0.1 s, and the CLI cannot exit before it finishes), and
 * Node's own parsers read a status line and headers just as strictly, with the same size cap.
 */
import type { ClientHttp2Session, IncomingHttpHeaders as Http2Headers } from 'node:http2';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { trace } from '../trace.js';
import { type ErrorContext, hostPort, normaliseError, ProbeError, quote } from './errors.js';
import { type BodySampler, sampleBody } from './http-body.js';
import { captureHeaders } from './http-headers.js';
import { clientContext } from './tls-context.js';
import type { Attempt, HttpBody, HttpResult } from './types.js';

/** Response headers larger than this are a misbehaving server, not something to diagnose. */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface HttpOverOptions {
  /** the Host header (:authority), e.g. "example.com" or "example.com:8443" */
  hostHeader: string;
  /** how long to wait for the status line and headers */
  timeoutMs: number;
  /** the injected clock when the request is sent; receivedAt is derived from it */
  now: Date;
  signal?: AbortSignal;
}

type Outcome = Attempt<HttpResult>;

let h1: Promise<typeof import('node:http')> | undefined;
let h2: Promise<typeof import('node:http2')> | undefined;

/**
 * Starts loading Node's HTTP modules. The probe calls it once the main handshake's connect is under way, so
 * their first compile (a CLI run pays it) overlaps the network wait instead of following the handshake.
 */
export function preloadHttp(): void {
  void loadH1()
    .then(warmH1)
    .catch(() => undefined);
  void loadH2();
}

let warmed = false;

/**
 * One GET written to, and one response read from, a stream in memory (no socket, nothing leaves the process):
 * a process's first HTTP/1.1 request otherwise compiles Node's ClientRequest, header and response-parser code
 * (~3-5 ms measured on Node 20) between its handshake and its GET, and again when the response arrives.
 * Issue 12: that time is on a CLI check's critical path; here it fills the wait for the server.
 */
function warmH1(http: typeof import('node:http')): void {
  if (warmed) return;
  warmed = true;
  const wire = new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  wire.on('error', () => {});
  try {
    const req = http.request({
      createConnection: () => wire as unknown as Socket,
      method: 'GET',
      path: '/',
      headers: { host: 'warm-up.invalid', 'user-agent': 'cert-doctor', accept: '*/*' },
      maxHeaderSize: MAX_HEADER_BYTES,
    });
    req.on('error', () => wire.destroy());
    req.on('response', (res) => {
      res.on('error', () => {});
      res.on('end', () => wire.destroy());
      res.resume();
    });
    req.end();
    wire.push('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
  } catch {
    wire.destroy();
  }
}

function loadH1(): Promise<typeof import('node:http')> {
  h1 ??= import('node:http');
  return h1;
}

function loadH2(): Promise<typeof import('node:http2')> {
  h2 ??= import('node:http2');
  return h2;
}

/**
 * GET / over an open TLS connection; always destroys it. A server that answers with something other than
 * an HTTP status line, or nothing within the wait, is not an HTTP server here: the step is skipped with
 * the reason (issue 6), not an error.
 */
export async function requestOver(socket: tls.TLSSocket, opts: HttpOverOptions): Promise<Outcome> {
  const started = performance.now();
  const where = `${hostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0)} (SNI ${sniOf(socket)})`;
  const h2 = socket.alpnProtocol === 'h2';
  let cancel = () => {};
  // Headers in, body still arriving: a deadline then completes the step with the body read so far.
  let got: { headers: RawHeaders; status: number; elapsed: number; body: BodySampler } | null = null;
  const completed = (body: HttpBody): Outcome =>
    got
      ? { status: 'completed', result: resultOf(got.headers, got.status, opts.now, got.elapsed, body) }
      : { status: 'skipped', why: `${where} sent no HTTP status line` };
  const response = new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () =>
        resolve(
          got
            ? completed(got.body.snapshot())
            : { status: 'skipped', why: `${where} sent no HTTP status line within ${opts.timeoutMs} ms` },
        ),
      opts.timeoutMs,
    );
    const onAbort = () =>
      resolve(
        got
          ? completed(got.body.snapshot())
          : { status: 'skipped', why: `the probe deadline passed before ${where} answered HTTP` },
      );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    cancel = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const done: Done = (headers, status, body) => {
      got = { headers, status, elapsed: performance.now() - started, body };
      void body.done.then((b) => resolve(completed(b)));
    };
    const failed = (err: unknown) => resolve(failure(err, where));
    if (opts.signal?.aborted) onAbort();
    else if (h2) void overH2(socket, opts, done, failed);
    else void overH1(socket, opts, done, failed);
  });
  try {
    trace('http: request sent');
    const out = await response;
    trace('http: response');
    return out;
  } finally {
    cancel();
    socket.destroy();
  }
}

type RawHeaders = Record<string, string | string[] | undefined>;
type Done = (headers: RawHeaders, status: number, body: BodySampler) => void;

async function overH1(socket: tls.TLSSocket, opts: HttpOverOptions, done: Done, failed: (e: unknown) => void) {
  const http = await loadH1();
  const req = http.request({
    createConnection: () => socket,
    method: 'GET',
    path: '/',
    headers: { host: opts.hostHeader, 'user-agent': 'cert-doctor', accept: '*/*' },
    maxHeaderSize: MAX_HEADER_BYTES,
  });
  req.on('response', (res) => {
    res.on('error', () => {});
    done(res.headers, res.statusCode ?? 0, sampleBody(res));
  });
  req.on('error', failed);
  req.end();
}

async function overH2(socket: tls.TLSSocket, opts: HttpOverOptions, done: Done, failed: (e: unknown) => void) {
  const http2 = await loadH2();
  let session: ClientHttp2Session;
  try {
    session = http2.connect(`https://${opts.hostHeader}`, {
      createConnection: () => socket,
      maxHeaderListPairs: 256,
      maxSessionMemory: 1,
      settings: { enablePush: false, maxHeaderListSize: MAX_HEADER_BYTES },
    });
  } catch (err) {
    failed(err);
    return;
  }
  session.on('error', failed);
  const req = session.request(
    { ':method': 'GET', ':path': '/', ':authority': opts.hostHeader, 'user-agent': 'cert-doctor', accept: '*/*' },
    { endStream: true },
  );
  req.on('response', (headers: Http2Headers) => {
    const body = sampleBody(req);
    done(headers, Number(headers[':status'] ?? 0), body);
    void body.done.then(() => session.destroy());
  });
  req.on('error', failed);
}

function resultOf(headers: RawHeaders, status: number, now: Date, elapsed: number, body: HttpBody): HttpResult {
  return {
    status,
    date: header(headers.date),
    server: header(headers.server),
    strictTransportSecurity: header(headers['strict-transport-security']),
    headers: captureHeaders(headers),
    body,
    receivedAt: new Date(now.getTime() + Math.round(elapsed)).toISOString(),
  };
}

/** Oversized headers are an error (too_large); bytes that are not HTTP or a close make the step skipped. */
function failure(err: unknown, where: string): Outcome {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'HPE_HEADER_OVERFLOW' || code === 'ERR_HTTP2_HEADER_SIZE' || code === 'ERR_HTTP2_SESSION_ERROR') {
    if (code !== 'ERR_HTTP2_SESSION_ERROR' || /ENHANCE_YOUR_CALM|FRAME_SIZE/.test(String(err))) {
      return {
        status: 'error',
        code: 'too_large',
        error: `${where} sent more than ${MAX_HEADER_BYTES} bytes of headers`,
      };
    }
  }
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') {
    return { status: 'error', code: 'client_cert_required', error: `${where} requires a client certificate` };
  }
  if (code.startsWith('HPE_')) {
    const bytes = (err as { rawPacket?: Buffer }).rawPacket;
    const seen = bytes ? `: it answered ${quote(bytes.subarray(0, 40).toString('latin1'))}` : '';
    return { status: 'skipped', why: `${where} does not answer HTTP${seen}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'skipped', why: `${where} closed or failed the HTTP exchange: ${message.split('\n')[0]}` };
}

function header(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function sniOf(socket: tls.TLSSocket): string {
  const name = (socket as { servername?: unknown }).servername;
  return typeof name === 'string' && name !== '' ? name : 'none';
}

export interface HttpOptions {
  /** an IP address already checked by the address policy; never resolved again (DNS rebinding) */
  address: string;
  port: number;
  servername: string | null;
  hostHeader: string;
  /** bounds the whole request: connect, handshake and response headers */
  timeoutMs: number;
  now: Date;
  signal?: AbortSignal;
}

/**
 * A standalone `GET /` on its own connection, at OpenSSL's default settings (what a browser-like client
 * gets). The probe does not use it (its request rides the main handshake); kept for callers that have no
 * connection open.
 */
export function fetchHttpHeaders(opts: HttpOptions): Promise<Outcome> {
  const ctx: ErrorContext = {
    host: opts.address,
    port: opts.port,
    sni: opts.servername,
    timeoutMs: opts.timeoutMs,
    phase: 'connect',
  };
  const started = performance.now();
  return new Promise<Outcome>((resolve) => {
    const socket = tls.connect({
      host: opts.address,
      port: opts.port,
      servername: opts.servername ?? undefined,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      secureContext: clientContext(),
    });
    const fail = (err: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: 'error', ...normaliseError(err, ctx) });
    };
    const at = `${hostPort(opts.address, opts.port)} (SNI ${opts.servername ?? 'none'})`;
    const timer = setTimeout(
      () => fail(new ProbeError('connection_timeout', `no TLS handshake with ${at} within ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
    socket.once('connect', () => {
      ctx.phase = 'handshake';
    });
    socket.on('error', fail);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      const left = Math.max(1, opts.timeoutMs - Math.round(performance.now() - started));
      resolve(requestOver(socket, { ...opts, timeoutMs: left }));
    });
  });
}
