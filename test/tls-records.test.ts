import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isMalformed, parseCert } from '../src/probe/certinfo.js';
import { dnString } from '../src/probe/tls-client-cert.js';
import {
  extractServerCertificates,
  hkdfExpandLabel,
  looksLikeTls,
  parseCertificateRequest,
  parseRecords,
  printablePrefix,
  RecordError,
  serverHandshakeSecret,
  warmRecordDecryption,
} from '../src/probe/tls-records.js';
import { makeCert } from './support/pki.js';
import {
  certificate12,
  certificate13,
  certificateRequest12,
  certificateRequest13,
  message,
  protect,
  record,
  serverHello,
  trafficKeys,
  u,
  vec,
} from './support/tls-bytes.js';

const certs = await Promise.all(['CN=a.test', 'CN=b.test', 'CN=c.test'].map((subject) => makeCert({ subject })));
const ders = certs.map((c) => Buffer.from(c.der));
const SECRET = Buffer.alloc(32, 0x42);
const SECRET_384 = Buffer.alloc(48, 0x42);

/** Split handshake bytes into records of at most `size` bytes, as a server may fragment them. */
function fragmented(bytes: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(record(22, bytes.subarray(i, i + size)));
  return Buffer.concat(out);
}

test('looksLikeTls accepts handshake/alert records and rejects text', () => {
  const cases: [string, number[], boolean][] = [
    ['handshake 1.2', [0x16, 0x03, 0x03], true],
    ['alert 1.0', [0x15, 0x03, 0x01], true],
    ['one byte of handshake', [0x16], true],
    ['HTTP', [...Buffer.from('HTTP/1.1')], false],
    ['SSH banner', [...Buffer.from('SSH-2.0')], false],
    ['handshake type, bad version', [0x16, 0x48, 0x54], false],
    ['nothing', [], false],
  ];
  for (const [name, bytes, want] of cases) assert.equal(looksLikeTls(Buffer.from(bytes)), want, name);
});

test('printablePrefix keeps the first line and masks control bytes', () => {
  assert.equal(printablePrefix(Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: x\r\n')), 'HTTP/1.1 400 Bad Request');
  assert.equal(printablePrefix(Buffer.from([0x00, 0x41, 0xff])), '.A.');
  assert.equal(printablePrefix(Buffer.alloc(100, 0x41)).length, 40);
});

test('parseRecords returns a trailing partial record as rest and refuses oversized records', () => {
  const two = Buffer.concat([record(22, Buffer.from('abc')), record(22, Buffer.from('defg')).subarray(0, 6)]);
  const { records, rest } = parseRecords(two);
  assert.equal(records.length, 1);
  assert.equal(rest.length, 6);
  assert.throws(() => parseRecords(Buffer.from([22, 3, 3, 0xff, 0xff])), RecordError);
});

test('hkdfExpandLabel matches RFC 8448 §3 (server handshake write key and iv)', () => {
  const secret = Buffer.from('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38', 'hex');
  assert.equal(hkdfExpandLabel('sha256', secret, 'key', 16).toString('hex'), '3fce516009c21727d0f2e4e86ee403bc');
  assert.equal(hkdfExpandLabel('sha256', secret, 'iv', 12).toString('hex'), '5d313eb2671276ee13000b30');
});

test('TLS 1.2: certificates come back in the order sent, across fragmented records, stopping at CCS', () => {
  const sent = [ders[2]!, ders[0]!, ders[1]!];
  const flight = Buffer.concat([serverHello(), certificate12(sent), message(14, Buffer.alloc(0))]);
  for (const size of [7, 100, 16384]) {
    const bytes = Buffer.concat([
      fragmented(flight, size),
      record(20, Buffer.from([1])),
      record(22, Buffer.alloc(40, 9)),
    ]);
    const out = extractServerCertificates(bytes, null);
    assert.equal(out.version, 0x0303);
    assert.deepEqual(out.certificates, sent, `fragment size ${size}`);
  }
});

test('TLS 1.2: a malformed certificate keeps its index and parses as malformed', () => {
  const garbage = Buffer.from([0x30, 0x82, 0x01, 0x00, 0xde, 0xad]);
  const bytes = fragmented(Buffer.concat([serverHello(), certificate12([ders[0]!, garbage, ders[1]!])]), 16384);
  const chain = extractServerCertificates(bytes, null).certificates.map((d) => parseCert(d));
  assert.deepEqual(
    chain.map((c) => isMalformed(c)),
    [false, true, false],
  );
});

test('warmRecordDecryption runs every suite once and throws nothing; the decryptions below run after it', () => {
  assert.doesNotThrow(() => warmRecordDecryption());
  assert.doesNotThrow(() => warmRecordDecryption(), 'and again');
});

for (const [suite, secret] of [
  [0x1301, SECRET],
  [0x1302, SECRET_384],
  [0x1303, SECRET],
] as const) {
  test(`TLS 1.3 (suite 0x${suite.toString(16)}): decrypts the flight and keeps the order sent`, () => {
    const keys = trafficKeys(suite, secret);
    const cert = certificate13([ders[1]!, ders[2]!, ders[0]!]);
    const bytes = Buffer.concat([
      record(22, serverHello({ tls13: true, cipherSuite: suite })),
      record(20, Buffer.from([1])),
      protect(keys, 0, 22, Buffer.concat([message(8, vec(2)), cert.subarray(0, 50)]), 5),
      protect(
        keys,
        1,
        22,
        Buffer.concat([cert.subarray(50), message(15, Buffer.alloc(10)), message(20, Buffer.alloc(32))]),
      ),
      protect(trafficKeys(suite, Buffer.alloc(secret.length, 1)), 0, 22, message(4, Buffer.alloc(8))),
    ]);
    const out = extractServerCertificates(bytes, secret);
    assert.equal(out.version, 0x0304);
    assert.deepEqual(out.certificates, [ders[1], ders[2], ders[0]]);
  });
}

test('TLS 1.3 after a HelloRetryRequest: the second ServerHello decides', () => {
  const keys = trafficKeys(0x1301, SECRET);
  const bytes = Buffer.concat([
    record(22, serverHello({ tls13: true, cipherSuite: 0x1301, helloRetry: true })),
    record(20, Buffer.from([1])),
    record(22, serverHello({ tls13: true, cipherSuite: 0x1301 })),
    protect(
      keys,
      0,
      22,
      Buffer.concat([message(8, vec(2)), message(13, Buffer.from([0, 0, 0])), certificate13([ders[0]!])]),
    ),
  ]);
  assert.deepEqual(extractServerCertificates(bytes, SECRET).certificates, [ders[0]]);
});

test('TLS 1.3 of a completed handshake: decryption stops at the Certificate message; a failed one reads to Finished', () => {
  const keys = trafficKeys(0x1301, SECRET);
  const request = message(13, Buffer.concat([Buffer.from([0]), vec(2)]));
  const head = [
    record(22, serverHello({ tls13: true, cipherSuite: 0x1301 })),
    protect(keys, 0, 22, Buffer.concat([message(8, vec(2)), request])),
    protect(keys, 1, 22, certificate13([ders[0]!, ders[1]!])),
  ];
  const finished = protect(keys, 2, 22, Buffer.concat([message(15, Buffer.alloc(10)), message(20, Buffer.alloc(32))]));
  const whole = Buffer.concat([...head, finished]);
  const full = extractServerCertificates(whole, SECRET);
  assert.deepEqual(extractServerCertificates(whole, SECRET, true), full);
  assert.deepEqual(full.certificates, [ders[0], ders[1]]);
  assert.deepEqual(full.certificateRequest, { caNames: [] });
  // a record after the Certificate that does not decrypt: not read when the handshake completed (OpenSSL read
  // it), still refused for a failed one (whose partial chain then comes from nowhere, as before)
  const broken = Buffer.from(finished);
  broken[broken.length - 1]! ^= 0xff;
  const damaged = Buffer.concat([...head, broken]);
  assert.deepEqual(extractServerCertificates(damaged, SECRET, true).certificates, [ders[0], ders[1]]);
  assert.throws(() => extractServerCertificates(damaged, SECRET), RecordError);
});

test('TLS 1.3 refuses without the secret or with a wrong one', () => {
  const keys = trafficKeys(0x1301, SECRET);
  const bytes = Buffer.concat([
    record(22, serverHello({ tls13: true, cipherSuite: 0x1301 })),
    protect(keys, 0, 22, certificate13([ders[0]!])),
  ]);
  assert.throws(() => extractServerCertificates(bytes, null), RecordError);
  assert.throws(() => extractServerCertificates(bytes, Buffer.alloc(32, 1)), RecordError);
});

test('serverHandshakeSecret picks the server handshake line out of a key log', () => {
  const log = [
    'CLIENT_HANDSHAKE_TRAFFIC_SECRET 00aa 1111',
    'SERVER_HANDSHAKE_TRAFFIC_SECRET 00aa 2222',
    'SERVER_TRAFFIC_SECRET_0 00aa 3333',
  ].join('\n');
  assert.equal(serverHandshakeSecret(log)?.toString('hex'), '2222');
  assert.equal(serverHandshakeSecret('CLIENT_RANDOM 00 11'), null);
});

test('an alert, a missing Certificate or a truncated list is a RecordError', () => {
  const cases: [string, Buffer][] = [
    ['alert', record(21, Buffer.from([2, 40]))],
    ['no certificate', record(22, Buffer.concat([serverHello(), message(14, Buffer.alloc(0))]))],
    ['list longer than message', record(22, Buffer.concat([serverHello(), message(11, Buffer.concat([u(500, 3)]))]))],
    ['no server hello', record(22, certificate12([ders[0]!]))],
  ];
  for (const [name, bytes] of cases) assert.throws(() => extractServerCertificates(bytes, null), RecordError, name);
});

const names = certs.map((c) => Buffer.from(c.cert.subjectName.toArrayBuffer()));
const alert = (description: number) => record(21, Buffer.from([2, description]));

test('TLS 1.2: the CertificateRequest lists its CAs in order, and an alert after the flight keeps the chain', () => {
  const cases: [string, Buffer[], Buffer | null][] = [
    ['two CAs', [names[1]!, names[0]!], certificateRequest12([names[1]!, names[0]!])],
    ['no CA listed', [], certificateRequest12([])],
    ['no request', [], null],
  ];
  for (const [name, want, request] of cases) {
    const flight = [
      serverHello(),
      certificate12([ders[0]!, ders[1]!]),
      ...(request ? [request] : []),
      message(14, Buffer.alloc(0)),
    ];
    const out = extractServerCertificates(Buffer.concat([fragmented(Buffer.concat(flight), 40), alert(40)]), null);
    assert.deepEqual(out.certificates, [ders[0], ders[1]], name);
    assert.deepEqual(out.certificateRequest?.caNames ?? null, request ? want : null, name);
  }
});

test('TLS 1.3: the CertificateRequest inside the encrypted flight, with and without certificate_authorities', () => {
  const keys = trafficKeys(0x1301, SECRET);
  for (const [name, listed] of [
    ['listed', [names[2]!]],
    ['extension absent', null],
  ] as const) {
    const inner = [message(8, vec(2)), certificateRequest13(listed), certificate13([ders[0]!])];
    const bytes = Buffer.concat([
      record(22, serverHello({ tls13: true, cipherSuite: 0x1301 })),
      protect(keys, 0, 22, Buffer.concat([...inner, message(15, Buffer.alloc(10)), message(20, Buffer.alloc(32))])),
    ]);
    const out = extractServerCertificates(bytes, SECRET);
    assert.deepEqual(out.certificates, [ders[0]], name);
    assert.deepEqual(out.certificateRequest?.caNames, listed ?? [], name);
  }
});

test('parseCertificateRequest reads each framing; a truncated request keeps the chain with no CA names', () => {
  const body = (m: Buffer) => m.subarray(4);
  assert.deepEqual(parseCertificateRequest(body(certificateRequest12([names[0]!], { sigAlgs: false })), 0x0301), [
    names[0],
  ]);
  assert.deepEqual(parseCertificateRequest(body(certificateRequest12([names[0]!, names[1]!])), 0x0303), [
    names[0],
    names[1],
  ]);
  assert.throws(
    () => parseCertificateRequest(body(certificateRequest12([names[0]!])).subarray(0, 12), 0x0303),
    RecordError,
  );
  const cut = certificateRequest12([names[0]!]);
  const truncated = Buffer.concat([message(13, cut.subarray(4, 12))]);
  const flight = Buffer.concat([serverHello(), certificate12([ders[0]!]), truncated, message(14, Buffer.alloc(0))]);
  const out = extractServerCertificates(record(22, flight), null);
  assert.deepEqual(out.certificates, [ders[0]]);
  assert.deepEqual(out.certificateRequest?.caNames, []);
});

test('dnString gives the RFC 4514 form CertInfo.subject uses', () => {
  assert.deepEqual(
    names.map(dnString),
    certs.map((c) => c.info.subject),
  );
  assert.equal(dnString(Buffer.from([0x30, 0x03, 1])), '#300301');
});

test('random bytes never make the extractor throw anything but RecordError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, withSecret) => {
      const input = Buffer.concat([
        record(22, serverHello({ tls13: withSecret, cipherSuite: 0x1301 })),
        Buffer.from(bytes),
      ]);
      try {
        extractServerCertificates(input, withSecret ? SECRET : null);
      } catch (err) {
        assert.ok(err instanceof RecordError, String(err));
      }
    }),
    { numRuns: 500 },
  );
});
