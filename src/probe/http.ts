import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { type buildConnector, Client } from 'undici';
import { type ErrorContext, hostPort, normaliseError, ProbeError } from './errors.js';
import { captureHeaders } from './http-headers.js';
import { clientContext } from './tls-context.js';
import type { Attempt, HttpResult } from './types.js';

export interface HttpOptions {
  /** an IP address already checked by the address policy; never resolved again (DNS rebinding) */
  address: string;
  port: number;
  servername: string | null;
  /** the Host header, e.g. "example.com" or "example.com:8443" */
  hostHeader: string;
  /** bounds the whole request: connect, handshake and response headers */
  timeoutMs: number;
  /** the probe's injected clock at the start; receivedAt is derived from it */
  now: Date;
  signal?: AbortSignal;
}

/** Response headers larger than this are a misbehaving server, not something to diagnose. */
export const MAX_HEADER_BYTES = 64 * 1024;

/**
 * One `GET /` over TLS to a fixed address, for the Date (clock skew), Server and HSTS headers.
 * The body is never read. Certificate checks are off: the chain is judged elsewhere, and a broken chain
 * must not hide the headers.
 */
export async function fetchHttpHeaders(opts: HttpOptions): Promise<Attempt<HttpResult>> {
  const ctx: ErrorContext = {
    host: opts.address,
    port: opts.port,
    sni: opts.servername,
    timeoutMs: opts.timeoutMs,
    phase: 'http',
  };
  const started = performance.now();
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const client = new Client(`https://${hostPort(opts.address, opts.port)}`, {
    connect: dialer(opts, signal, ctx),
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    maxHeaderSize: MAX_HEADER_BYTES,
  });
  try {
    const res = await client.request({
      method: 'GET',
      path: '/',
      headers: { host: opts.hostHeader, 'user-agent': 'cert-doctor', accept: '*/*' },
      signal,
    });
    const elapsed = performance.now() - started;
    res.body.on('error', () => {});
    res.body.destroy();
    return {
      status: 'completed',
      result: {
        status: res.statusCode,
        date: header(res.headers.date),
        server: header(res.headers.server),
        strictTransportSecurity: header(res.headers['strict-transport-security']),
        headers: captureHeaders(res.headers),
        receivedAt: new Date(opts.now.getTime() + Math.round(elapsed)).toISOString(),
      },
    };
  } catch (err) {
    const cause = signal.aborted ? timeoutError(ctx, err) : err;
    const { code, error } = normaliseError(cause, ctx);
    return { status: 'error', code: certificateRequired(cause) ? 'client_cert_required' : code, error };
  } finally {
    client.destroy().catch(() => {});
  }
}

/**
 * A TLS 1.3 server that requires a client certificate sends certificate_required (RFC 8446 §4.4.2.4) after
 * our handshake completed, so it reaches us as the request's failure, wrapped by undici.
 */
function certificateRequired(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function header(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

function timeoutError(ctx: ErrorContext, cause: unknown): ProbeError {
  const at = `${hostPort(ctx.host, ctx.port)} (SNI ${ctx.sni ?? 'none'})`;
  return new ProbeError('connection_timeout', `no HTTP response from ${at} within ${ctx.timeoutMs} ms`, { cause });
}

/** undici connector that dials the checked address with our SNI instead of resolving the origin. */
function dialer(opts: HttpOptions, signal: AbortSignal, ctx: ErrorContext): buildConnector.connector {
  return (_origin, callback) => {
    const socket = tls.connect({
      host: opts.address,
      port: opts.port,
      servername: opts.servername ?? undefined,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      secureContext: clientContext(),
    });
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (err === null) return callback(null, socket);
      socket.destroy();
      callback(err, null);
    };
    const onAbort = () => finish(timeoutError(ctx, signal.reason));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => finish(null));
    socket.once('error', (err) => finish(err));
  };
}
