import type { ProbeErrorCode } from './types.js';

/**
 * Operational failures, typed with stable codes (undici errors.js style). Match on `code`, never on
 * `instanceof` or message text. Messages name host:port, SNI and the timeout where they apply.
 */
export class ProbeError extends Error {
  readonly code: ProbeErrorCode;
  constructor(code: ProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
    this.code = code;
  }
}

/** A user input we could not understand. The message is one line and quotes the input. */
export class InputError extends ProbeError {
  constructor(message: string) {
    super('bad_input', message);
    this.name = 'InputError';
  }
}

/** Quote a user-supplied value for an error message: JSON-style, control characters escaped, long input cut. */
export function quote(value: string, max = 120): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

export interface ErrorContext {
  /** the address or name we dialled */
  host: string;
  port: number;
  sni: string | null;
  timeoutMs: number;
  phase: 'connect' | 'handshake' | 'http';
}

/** TLS alert descriptions by number (RFC 8446 §6, RFC 5246 §7.2, RFC 6066 §9, RFC 7301 §3.2). */
const ALERTS: Record<string, number> = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
};

const REFUSED = new Set(['ECONNREFUSED']);
// EHOSTUNREACH/ENETUNREACH are reported as timeouts: like a silent drop, nothing on the far side answered,
// and the user's next steps (host down, firewall, wrong address) are the same. "Refused" would wrongly
// imply a host that is up and rejected the port.
const TIMEOUT = new Set([
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_ABORTED',
  'ABORT_ERR',
]);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL']);
const TOO_LARGE = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'HPE_HEADER_OVERFLOW']);
/** Failures our own TLS stack raises before or while negotiating, named in plain words. */
const LOCAL_TLS: Record<string, string> = {
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'the server picked a protocol version we did not offer (unsupported protocol)',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no protocol version is both enabled and allowed by our cipher settings',
  ERR_SSL_EXCESSIVE_MESSAGE_SIZE: 'the server sent a handshake message larger than our limit (excessive message size)',
  ERR_SSL_NO_SHARED_CIPHER: 'no cipher suite in common with the server',
  ERR_SSL_UNEXPECTED_EOF_WHILE_READING: 'the server closed the connection mid-handshake',
};

/** "host:port", bracketing IPv6 literals. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const PHASE: Record<ErrorContext['phase'], string> = {
  connect: 'the TCP connect',
  handshake: 'the TLS handshake',
  http: 'the HTTP request',
};

function where(ctx: ErrorContext): string {
  return `${hostPort(ctx.host, ctx.port)} (SNI ${ctx.sni ?? 'none'})`;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return raw.replace(/\s+/g, ' ').trim();
}

/** The TLS alert an OpenSSL error reports ("sslv3 alert handshake failure … SSL alert number 40"). */
export function describeAlert(err: unknown): string | null {
  const code = codeOf(err) ?? '';
  const m = /^ERR_SSL_(?:SSLV3_ALERT|TLSV1_ALERT|TLSV13_ALERT|TLSV1)_(.+)$/.exec(code);
  const num = /SSL alert number (\d+)/.exec(messageOf(err));
  if (!m && !num) return null;
  let name = m ? m[1]!.toLowerCase().replace('user_cancelled', 'user_canceled') : null;
  const n = num ? Number(num[1]) : name !== null ? ALERTS[name] : undefined;
  if (name === null && n !== undefined) name = Object.keys(ALERTS).find((k) => ALERTS[k] === n) ?? 'unknown';
  return `server sent TLS alert ${name}${n === undefined ? '' : ` (${n})`}`;
}

function isProgrammingError(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'ERR_ASSERTION' || code?.startsWith('ERR_INVALID_ARG')) return true;
  if (code !== undefined) return false;
  return err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError;
}

function isTimeout(err: unknown, code: string | undefined): boolean {
  if (code !== undefined && TIMEOUT.has(code)) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/**
 * Translate whatever a socket, OpenSSL or undici threw into a stable code and a one-line message naming
 * host:port, SNI and (for timeouts) the limit. ProbeErrors pass through unchanged. Follows undici's
 * `cause` chain, since undici wraps the socket error that explains the failure.
 */
export function normaliseError(err: unknown, ctx: ErrorContext): { code: ProbeErrorCode; error: string } {
  if (err instanceof ProbeError) return { code: err.code, error: err.message };
  const inner = (err as { cause?: unknown } | null)?.cause;
  const code = codeOf(err);
  if (inner !== undefined && (code === undefined || code === 'UND_ERR_SOCKET') && codeOf(inner) !== undefined) {
    return normaliseError(inner, ctx);
  }
  const reason = (err as { reason?: unknown } | null)?.reason;
  const text = typeof reason === 'string' ? reason : messageOf(err);
  const detail = code ? `${code}: ${text}` : text;
  const at = where(ctx);
  if (code !== undefined && REFUSED.has(code)) {
    return { code: 'connection_refused', error: `connection to ${at} refused (${code}): nothing listens there` };
  }
  if (isTimeout(err, code)) {
    return {
      code: 'connection_timeout',
      error: `${at} did not complete ${PHASE[ctx.phase]} within ${ctx.timeoutMs} ms (${code ?? messageOf(err)})`,
    };
  }
  if (code !== undefined && RESET.has(code)) {
    return { code: 'connection_reset', error: `${at} closed the connection during ${PHASE[ctx.phase]} (${detail})` };
  }
  if (code !== undefined && NOT_TLS.has(code)) {
    const hint = 'plain HTTP or another protocol on this port';
    return { code: 'not_tls', error: `${at} does not answer with TLS (${code}: likely ${hint})` };
  }
  if (code !== undefined && TOO_LARGE.has(code)) {
    return { code: 'too_large', error: `${at} sent a response over our size cap (${code})` };
  }
  const alert = describeAlert(err);
  if (alert) return { code: 'handshake_failed', error: `TLS handshake with ${at} failed: ${alert}` };
  const local = code !== undefined ? LOCAL_TLS[code] : undefined;
  if (local) return { code: 'handshake_failed', error: `TLS handshake with ${at} failed: ${local} (${code})` };
  if (isProgrammingError(err)) return { code: 'bug', error: `internal error probing ${at}: ${detail}` };
  if (ctx.phase === 'http' || code?.startsWith('HPE_')) {
    return { code: 'fetch_failed', error: `HTTP request to ${at} failed: ${detail}` };
  }
  return { code: 'handshake_failed', error: `TLS handshake with ${at} failed: ${detail}` };
}

/** normaliseError as a thrown error that keeps the original as `cause`. */
export function toProbeError(err: unknown, ctx: ErrorContext): ProbeError {
  if (err instanceof ProbeError) return err;
  const { code, error } = normaliseError(err, ctx);
  return new ProbeError(code, error, { cause: err });
}
