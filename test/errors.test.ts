import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeAlert, type ErrorContext, normaliseError, ProbeError, toProbeError } from '../src/probe/errors.js';

const CTX: ErrorContext = { host: '192.0.2.7', port: 443, sni: 'example.com', timeoutMs: 5000, phase: 'handshake' };

function nodeError(code: string, message = code, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...extra });
}

function sslError(code: string, reason: string, alert?: number): Error {
  const tail = alert === undefined ? '' : `:SSL alert number ${alert}`;
  return nodeError(code, `80:error:0A000410:SSL routines:ssl3_read_bytes:${reason}:rec_layer_s3.c:1601${tail}\n`, {
    reason,
    library: 'SSL routines',
  });
}

const cases: [string, unknown, string][] = [
  ['ECONNREFUSED', nodeError('ECONNREFUSED', 'connect ECONNREFUSED 192.0.2.7:443'), 'connection_refused'],
  ['ETIMEDOUT', nodeError('ETIMEDOUT'), 'connection_timeout'],
  ['EHOSTUNREACH', nodeError('EHOSTUNREACH'), 'connection_timeout'],
  ['ENETUNREACH', nodeError('ENETUNREACH'), 'connection_timeout'],
  ['undici connect timeout', nodeError('UND_ERR_CONNECT_TIMEOUT'), 'connection_timeout'],
  ['undici headers timeout', nodeError('UND_ERR_HEADERS_TIMEOUT'), 'connection_timeout'],
  ['AbortSignal.timeout reason', new DOMException('The operation timed out', 'TimeoutError'), 'connection_timeout'],
  [
    'ECONNRESET',
    nodeError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
    'connection_reset',
  ],
  ['EPIPE', nodeError('EPIPE'), 'connection_reset'],
  ['undici other side closed', nodeError('UND_ERR_SOCKET', 'other side closed'), 'connection_reset'],
  ['wrong version number', sslError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'not_tls'],
  ['packet length too long', sslError('ERR_SSL_PACKET_LENGTH_TOO_LONG', 'packet length too long'), 'not_tls'],
  [
    'handshake failure alert',
    sslError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'sslv3 alert handshake failure', 40),
    'handshake_failed',
  ],
  [
    'protocol version alert',
    sslError('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'tlsv1 alert protocol version', 70),
    'handshake_failed',
  ],
  [
    'unrecognized name alert',
    sslError('ERR_SSL_TLSV1_UNRECOGNIZED_NAME', 'tlsv1 unrecognized name', 112),
    'handshake_failed',
  ],
  ['unsupported protocol', sslError('ERR_SSL_UNSUPPORTED_PROTOCOL', 'unsupported protocol'), 'handshake_failed'],
  ['no protocols available', sslError('ERR_SSL_NO_PROTOCOLS_AVAILABLE', 'no protocols available'), 'handshake_failed'],
  ['excessive message size', sslError('ERR_SSL_EXCESSIVE_MESSAGE_SIZE', 'excessive message size'), 'handshake_failed'],
  ['unknown OpenSSL error', sslError('ERR_SSL_SOMETHING_NEW', 'something new'), 'handshake_failed'],
  ['undici header overflow', nodeError('UND_ERR_HEADERS_OVERFLOW'), 'too_large'],
  [
    'undici wrapping a refused connect',
    Object.assign(new TypeError('fetch failed'), { cause: nodeError('ECONNREFUSED') }),
    'connection_refused',
  ],
  ['our own TypeError', new TypeError("Cannot read properties of undefined (reading 'x')"), 'bug'],
  ['invalid argument', nodeError('ERR_INVALID_ARG_TYPE'), 'bug'],
  ['a ProbeError passes through', new ProbeError('too_large', 'capped'), 'too_large'],
  ['a thrown string', 'weird', 'handshake_failed'],
];

test('normaliseError maps each failure to its stable code, in one line naming host:port and SNI', () => {
  for (const [name, err, code] of cases) {
    const out = normaliseError(err, CTX);
    assert.equal(out.code, code, name);
    assert.ok(!out.error.includes('\n'), `${name}: one line`);
    if (!(err instanceof ProbeError))
      assert.ok(out.error.includes('192.0.2.7:443') && out.error.includes('example.com'), name);
  }
});

test('timeouts name the limit; IPv6 addresses are bracketed; no SNI is said so', () => {
  assert.ok(normaliseError(nodeError('ETIMEDOUT'), CTX).error.includes('5000 ms'));
  const v6 = normaliseError(nodeError('ECONNREFUSED'), { ...CTX, host: '2001:db8::1', sni: null });
  assert.ok(v6.error.includes('[2001:db8::1]:443') && v6.error.includes('SNI none'));
});

test('an HTTP-phase failure with no better code is fetch_failed', () => {
  assert.equal(normaliseError(nodeError('HPE_INVALID_CONSTANT'), { ...CTX, phase: 'http' }).code, 'fetch_failed');
});

test('describeAlert names the alert and its number', () => {
  const cases: [unknown, string | null][] = [
    [sslError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'sslv3 alert handshake failure', 40), 'handshake_failure (40)'],
    [sslError('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'tlsv1 alert protocol version'), 'protocol_version (70)'],
    [sslError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'x', 116), 'certificate_required (116)'],
    [sslError('ERR_SSL_TLSV1_ALERT_USER_CANCELLED', 'x'), 'user_canceled (90)'],
    [sslError('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), null],
  ];
  for (const [err, want] of cases) {
    const got = describeAlert(err);
    if (want === null) assert.equal(got, null);
    else assert.ok(got?.endsWith(want), `${got} vs ${want}`);
  }
});

test('toProbeError keeps the original as cause', () => {
  const original = nodeError('ECONNRESET');
  const err = toProbeError(original, CTX);
  assert.equal(err.code, 'connection_reset');
  assert.equal(err.cause, original);
});
