/**
 * `explain` against real error texts (test/support/explain-corpus.ts: each copied from the issue tracker it names)
 * and against the catalogue itself: client, codes and target for every entry; honest "not recognised"; QUIC; a
 * pasted private key is never echoed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointOf, explain } from '../src/explain/explain.js';
import { extractTarget } from '../src/explain/target.js';
import { CATALOGUE, errorsOf, say } from '../src/fixes/catalogue/index.js';
import { FINDING_CODES } from '../src/fixes/codes.js';
import { FIXTURES } from './support/diagnosis-fixtures.js';
import { CORPUS } from './support/explain-corpus.js';

const STACKS_REQUIRED = [
  'openssl',
  'python',
  'quic',
  'java',
  'node',
  'go',
  'curl',
  'git',
  'docker',
  'dotnet',
  'chrome',
  'firefox',
  'apple',
  'android',
  'ruby',
  'php',
];

test('the corpus holds at least 80 real error texts, each with a source, across every client stack', () => {
  assert.ok(CORPUS.length >= 80, `${CORPUS.length} entries`);
  for (const e of CORPUS)
    assert.match(e.source, /^https:\/\/github\.com\/[^/]+\/[^/]+\/(issues|pull)\/\d+$/, e.text.slice(0, 60));
  const covered = new Set(CORPUS.map((e) => e.client));
  for (const key of STACKS_REQUIRED) assert.ok(covered.has(key), `no corpus entry for ${key}`);
  const libraries = new Set(CORPUS.flatMap((e) => e.library ?? []));
  for (const lib of ['aiohttp', 'requests', 'urllib3', 'aioquic', 'msquic']) assert.ok(libraries.has(lib), lib);
});

describe('every corpus entry: client, codes, target', () => {
  for (const [i, e] of CORPUS.entries()) {
    test(`#${i} ${e.client}${e.library ? `/${e.library}` : ''}: ${e.codes.join(', ')} (${e.source})`, async () => {
      const x = await explain(e.text);
      assert.equal(x.client?.key, e.client, 'client');
      if (e.library) assert.equal(x.client?.library, e.library, 'library');
      assert.equal(x.recognised, true);
      const codes = x.matches.map((m) => m.code);
      for (const code of e.codes)
        assert.ok(codes.includes(code as (typeof codes)[number]), `${code} not in [${codes}]`);
      assert.equal(x.target ? endpointOf(x.target) : null, e.target, 'target');
      assert.ok(
        x.fixes.every((f) => !f.warning),
        'a fix that turns verification off',
      );
      for (const m of x.matches) assert.equal(m.confirmed, null, 'no check ran, so nothing is confirmed');
    });
  }
});

test('catalogue: every error text is recognised by its own pattern, ids are unique, codes are known', () => {
  const known = new Set<string>(FINDING_CODES);
  for (const stack of CATALOGUE) {
    const ids = new Set<string>();
    for (const error of errorsOf(stack)) {
      assert.ok(!ids.has(error.id), `${stack.key}: duplicate id ${error.id}`);
      ids.add(error.id);
      assert.ok(error.causes.length > 0, `${stack.key}/${error.id} has no cause`);
      for (const c of error.causes) assert.ok(known.has(c.code), `${stack.key}/${error.id}: unknown code ${c.code}`);
      // The canonical text uses placeholders (<host>, …) and composite forms; its words must still be recognised.
      assert.ok(
        error.pattern.test(error.text) || /[<…]|\//.test(error.text),
        `${stack.key}/${error.id}: "${error.text}" does not match its own pattern`,
      );
    }
  }
  assert.throws(() => say('curl', 'no_such_error'), /curl has no error no_such_error/);
});

test('the first cause is the most likely one: specific errors win over the generic "verify failed"', async () => {
  const cases: [string, string][] = [
    ['curl: (60) SSL certificate problem: unable to get local issuer certificate', 'chain_incomplete'],
    [
      '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)',
      'cert_expired',
    ],
    ['x509: certificate relies on legacy Common Name field, use SANs instead', 'no_san'],
    ['NET::ERR_CERT_COMMON_NAME_INVALID', 'hostname_mismatch'],
    [
      'OpenSSL::SSL::SSLError: SSL_connect returned=1 errno=0 state=error: certificate verify failed (self-signed certificate)',
      'cert_self_signed',
    ],
    [
      '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate signature failure (_ssl.c:1006)',
      'chain_signature_invalid',
    ],
  ];
  for (const [text, code] of cases) assert.equal((await explain(text)).matches[0]?.code, code, text);
  const fips = await explain(
    '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate signature failure',
  );
  assert.ok(
    fips.matches.some((m) => m.code === 'weak_signature_algorithm' && /FIPS/.test(m.why)),
    'FIPS-mode signature failure',
  );
});

test('not recognised: no cause is made up; closest guesses are offered only when words overlap', async () => {
  const odd = await explain('Printer on fire: paper tray 2 is empty');
  assert.equal(odd.recognised, false);
  assert.deepEqual(odd.matches, []);
  assert.deepEqual(odd.guesses, []);
  assert.equal(odd.client, null);
  assert.deepEqual(odd.fixes, []);

  const near = await explain('the certificate chain for this server looks invalid somehow');
  assert.equal(near.recognised, false);
  assert.deepEqual(near.matches, []);
  assert.ok(near.guesses.length > 0 && near.guesses.length <= 3);
  assert.ok(near.guesses.every((g) => g.score > 0 && g.score <= 1));

  // A recognised client with an error the catalogue does not hold: the client is named, no cause is.
  const java = await explain('javax.net.ssl.SSLException: Connection reset by peer');
  assert.equal(java.client?.key, 'java');
  assert.equal(java.recognised, false);
  assert.deepEqual(java.matches, []);
});

test('QUIC clients: says Node 20 has no QUIC and that the TCP TLS endpoint is what gets checked', async () => {
  const text =
    "ConnectionTerminated(error_code=298, frame_type=6, reason_phrase='unable to get local issuer certificate') from https://h3.example.net/";
  const x = await explain(text, { noCheckReason: 'test' });
  assert.equal(x.client?.quic, true);
  assert.deepEqual(x.target, { host: 'h3.example.net', port: 443 });
  assert.ok(x.matches.some((m) => m.code === 'chain_incomplete'));
  assert.ok(x.notes.some((n) => /Node 20 has no QUIC/.test(n) && /TCP TLS endpoint h3\.example\.net:443/.test(n)));
  // With a check: the TCP endpoint is what was checked, and the note says so.
  const checkedWith: string[] = [];
  const fixture = FIXTURES['chain-incomplete']!();
  const y = await explain(text, {
    check: async (endpoint) => {
      checkedWith.push(endpoint);
      return fixture;
    },
  });
  assert.deepEqual(checkedWith, ['h3.example.net:443']);
  assert.equal(y.checked, 'h3.example.net:443');
  assert.ok(y.notes.some((n) => /it checked the TCP TLS endpoint h3\.example\.net:443 instead/.test(n)));
});

test('a pasted private key is never echoed and is answered with "treat it as leaked"', async () => {
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
  const x = await explain(`curl: (60) SSL certificate problem: certificate has expired\n${key}`);
  assert.ok(!x.input.includes('MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'));
  assert.ok(x.notes.some((n) => /Treat it as leaked/.test(n)));
  assert.equal(x.matches[0]?.code, 'cert_expired');
});

test('target extraction skips source positions and documentation links', () => {
  const none = [
    'at sun.security.ssl.Alert.createSSLException(Alert.java:131)',
    'File "/usr/lib/python3.11/ssl.py:1342", (_ssl.c:1006)',
    'More details here: https://curl.se/docs/sslcerts.html',
    'at TLSSocket.onConnectSecure (node:_tls_wrap:1600:34) tls.js:297:12',
  ];
  for (const text of none) assert.equal(extractTarget(text), null, text);
  const some: [string, string][] = [
    ['Cannot connect to host [2001:db8::1]:8443 ssl:True', '[2001:db8::1]:8443'],
    ["HTTPSConnectionPool(host='api.example.com', port=8443): Max retries", 'api.example.com:8443'],
    [
      'Get "https://registry.example.com:5000/v2/": x509: certificate signed by unknown authority',
      'registry.example.com:5000',
    ],
  ];
  for (const [text, want] of some) {
    const t = extractTarget(text);
    assert.equal(t ? endpointOf(t) : null, want, text);
  }
});

test('never throws, and never backtracks for seconds, on hostile or huge input (the bot runs it in its event loop)', async () => {
  const inputs = [
    '',
    ' ',
    '\u0000\u001b[31m',
    'x'.repeat(200_000),
    'a.'.repeat(40_000),
    '1.'.repeat(40_000),
    'a-'.repeat(40_000),
    "host='".repeat(12_000),
    'https://a.b/'.repeat(6_000),
    'Get "https://a'.repeat(5_000),
    'x509: certificate is valid for a, '.repeat(2_000),
    '(?:'.repeat(1000),
    "host='a', port=99999)",
  ];
  for (const text of inputs) {
    const started = performance.now();
    const x = await explain(text);
    const ms = performance.now() - started;
    assert.ok(x.input.length <= 64 * 1024);
    // A quadratic pattern took 20–26 s on these; linear ones take well under 0.5 s. 5 s is a margin for a loaded CI.
    assert.ok(ms < 5_000, `${JSON.stringify(text.slice(0, 20))}…: ${ms.toFixed(0)} ms`);
  }
});
