import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { quote } from '../src/probe/errors.js';
import { formatTarget, parseTarget } from '../src/probe/target.js';
import type { Target } from '../src/probe/types.js';

type Expect = Partial<Omit<Target, 'input'>>;

const VALID: ReadonlyArray<readonly [string, Expect]> = [
  ['example.com', { host: 'example.com', port: 443, sni: 'example.com', protocol: 'https', ipVersion: null }],
  ['example.com:8443', { host: 'example.com', port: 8443, protocol: 'https' }],
  ['example.com:4443', { port: 4443, protocol: 'https' }],
  ['example.com:9443', { port: 9443, protocol: 'https' }],
  ['example.com:636', { port: 636, protocol: 'tls' }],
  ['example.com:1', { port: 1, protocol: 'tls' }],
  ['example.com:65535', { port: 65535, protocol: 'tls' }],
  ['https://example.com/path?x#y', { host: 'example.com', port: 443, protocol: 'https' }],
  ['https://example.com:8080/', { port: 8080, protocol: 'https' }],
  ['https://example.com?q=1', { host: 'example.com', port: 443 }],
  ['https://example.com#frag', { host: 'example.com', port: 443 }],
  ['HTTPS://EXAMPLE.COM', { host: 'example.com', protocol: 'https' }],
  ['example.com/some/path', { host: 'example.com', port: 443 }],
  ['<https://example.com|example.com>', { host: 'example.com', port: 443, protocol: 'https' }],
  ['<https://example.com>', { host: 'example.com', port: 443 }],
  ['<http://example.com|example.com>', { host: 'example.com', port: 443, protocol: 'https' }],
  ['<http://example.com:8443|example.com:8443>', { port: 8443, protocol: 'https' }],
  ['<https://example.com/a|click here>', { host: 'example.com' }],
  ['https://example.com/?a=1&amp;b=2', { host: 'example.com' }],
  ['`example.com`', { host: 'example.com' }],
  ['\u200bexample.com', { host: 'example.com' }],
  ['smtp://mail.example.com:587', { host: 'mail.example.com', port: 587, protocol: 'smtp' }],
  ['smtp://mail.example.com', { port: 25, protocol: 'smtp' }],
  ['smtp://mail.example.com:465', { port: 465, protocol: 'tls' }],
  ['smtps://mail.example.com', { port: 465, protocol: 'tls' }],
  ['submission://mail.example.com', { port: 587, protocol: 'submission' }],
  ['imap://mail.example.com', { port: 143, protocol: 'imap' }],
  ['imaps://mail.example.com', { port: 993, protocol: 'tls' }],
  ['pop3://mail.example.com', { port: 110, protocol: 'pop3' }],
  ['pop3s://mail.example.com', { port: 995, protocol: 'tls' }],
  ['ftp://ftp.example.com', { port: 21, protocol: 'ftp' }],
  ['ldap://ldap.example.com', { port: 389, protocol: 'ldap' }],
  ['ldaps://ldap.example.com', { port: 636, protocol: 'tls' }],
  ['xmpp://chat.example.com', { port: 5222, protocol: 'xmpp' }],
  ['postgres://db.example.com', { port: 5432, protocol: 'postgres' }],
  ['postgresql://db.example.com:6432/app', { port: 6432, protocol: 'postgres' }],
  ['tls://example.com:853', { port: 853, protocol: 'tls' }],
  ['tls://example.com', { port: 443, protocol: 'tls' }],
  ['[2001:db8::1]:443', { host: '2001:db8::1', port: 443, sni: null, ipVersion: 6, protocol: 'https' }],
  ['[2001:DB8:0:0::1]:8443', { host: '2001:db8::1', port: 8443, ipVersion: 6 }],
  ['[2001:db8::1]', { host: '2001:db8::1', port: 443, ipVersion: 6 }],
  ['2001:db8::1', { host: '2001:db8::1', port: 443, sni: null, ipVersion: 6 }],
  ['https://[2001:db8::1]:9443/', { host: '2001:db8::1', port: 9443, protocol: 'https' }],
  ['192.0.2.7', { host: '192.0.2.7', port: 443, sni: null, ipVersion: 4, protocol: 'https' }],
  ['192.0.2.7:25', { host: '192.0.2.7', port: 25, sni: null, ipVersion: 4, protocol: 'tls' }],
  ['bücher.example', { host: 'xn--bcher-kva.example', sni: 'xn--bcher-kva.example', unicodeHost: 'bücher.example' }],
  ['BÜCHER.example:8443', { host: 'xn--bcher-kva.example', port: 8443, unicodeHost: 'bücher.example' }],
  ['xn--bcher-kva.example', { host: 'xn--bcher-kva.example', unicodeHost: 'bücher.example' }],
  ['example.com.', { host: 'example.com', sni: 'example.com' }],
  ['  EXAMPLE.Com.  ', { host: 'example.com', unicodeHost: null }],
  ['localhost', { host: 'localhost', sni: 'localhost' }],
  [`${'a'.repeat(63)}.example`, { port: 443 }],
];

const INVALID: readonly string[] = [
  '',
  '   ',
  'exa mple.com',
  'example.com:',
  'example.com:0',
  'example.com:70000',
  'example.com:-1',
  'example.com:44x',
  'example.com:1.5',
  'https://user:pass@example.com',
  'user@example.com',
  '<mailto:bob@example.com|bob@example.com>',
  'mailto:bob@example.com',
  'gopher://example.com',
  'http://example.com',
  '<http://example.com>',
  'https:/example.com',
  '-example.com',
  'example-.com',
  'exa_mple.com',
  'a..b',
  '.',
  `${'a'.repeat(64)}.example`,
  `${'abcdefghi.'.repeat(26)}com`,
  '*.example.com',
  'example.123',
  '127.1',
  '256.1.1.1',
  '0x7f.0.0.1',
  '2001:db8::1:443:x',
  '[2001:db8::1',
  '[2001:db8::1]x',
  '[example.com]:443',
  '[fe80::1%eth0]:443',
  '[2001:db8::1]:99999',
  'xn--zz.example',
  'example.com\nsecond line',
  '<>',
  'https://',
  'https:///path',
  'a'.repeat(3000),
];

test('parseTarget accepts every documented form', () => {
  for (const [input, expected] of VALID) {
    const t = parseTarget(input);
    assert.equal(t.input, input, input);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(t[key as keyof Target], value, `${quote(input)} field ${key}`);
    }
  }
});

function assertOneLineInputError(input: string, err: unknown): void {
  assert.equal((err as { code?: unknown }).code, 'bad_input', `${quote(input)}: ${String(err)}`);
  const message = (err as Error).message;
  assert.doesNotMatch(message, /[\r\n]/, quote(input));
  assert.ok(message.includes(quote(input)), `${quote(input)} not quoted in: ${message}`);
}

test('parseTarget rejects junk with a one-line InputError quoting the input', () => {
  for (const input of INVALID) {
    assert.throws(
      () => parseTarget(input),
      (err) => {
        assertOneLineInputError(input, err);
        return true;
      },
      quote(input),
    );
  }
});

test('the port error names the port and the input', () => {
  assert.throws(() => parseTarget('example.com:70000'), {
    code: 'bad_input',
    message: 'port must be an integer between 1 and 65535, got "70000" in "example.com:70000"',
  });
});

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function assertInvariants(t: Target, input: string): void {
  assert.equal(t.input, input);
  assert.ok(Number.isInteger(t.port) && t.port >= 1 && t.port <= 65535);
  assert.equal(t.host, t.host.toLowerCase());
  assert.ok(!t.host.endsWith('.'));
  if (t.ipVersion === 4) assert.ok(isIPv4(t.host));
  if (t.ipVersion === 6) assert.ok(isIPv6(t.host) && !t.host.includes('['));
  if (t.ipVersion === null) {
    assert.equal(t.sni, t.host);
    assert.ok(t.host.length <= 253 && t.host.split('.').every((l) => LABEL.test(l)), t.host);
  } else {
    assert.equal(t.sni, null);
    assert.equal(t.unicodeHost, null);
  }
}

const token = fc.oneof(
  fc.constantFrom(':', '/', '//', '[', ']', '<', '>', '|', '@', '.', '-', '_', ' ', '%', '#', '?', '&amp;', '&lt;'),
  fc.constantFrom('https://', 'smtp://', 'mailto:', 'xn--', '::', '443', '65536', '0', 'ü', '。', '\u200b', '\n'),
  fc.constantFrom('example', 'com', '2001:db8', '127.0.0.1', 'ＥＸ', '１'),
  fc.string({ unit: 'grapheme', maxLength: 3 }),
  fc.string({ unit: 'binary', maxLength: 2 }),
);
const junk = fc.array(token, { maxLength: 12 }).map((parts) => parts.join(''));

test('parseTarget on random input returns a sound Target or throws InputError, nothing else', () => {
  fc.assert(
    fc.property(fc.oneof(junk, fc.string({ unit: 'binary' }), fc.webUrl()), (input) => {
      let t: Target;
      try {
        t = parseTarget(input);
      } catch (err) {
        assertOneLineInputError(input, err);
        return;
      }
      assertInvariants(t, input);
    }),
    { numRuns: 5000 },
  );
});

const host = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.ipV6().map((ip) => `[${ip}]`),
  fc.constantFrom('bücher.example', 'münchen.de', '例え.テスト'),
);
const scheme = fc.constantFrom('', 'https://', 'tls://', 'smtp://', 'imaps://', 'ldap://', 'xmpp://', 'postgres://');

test('parseTarget(formatTarget(t)) gives back the same endpoint', () => {
  fc.assert(
    fc.property(host, fc.option(fc.integer({ min: 1, max: 65535 })), scheme, (h, port, s) => {
      const input = `${s}${h}${port === null ? '' : `:${port}`}`;
      const t = parseTarget(input);
      assertInvariants(t, input);
      if (port !== null) assert.equal(t.port, port);
      const again = parseTarget(formatTarget(t));
      assert.deepEqual(
        [again.host, again.port, again.protocol, again.sni, again.ipVersion, again.unicodeHost],
        [t.host, t.port, t.protocol, t.sni, t.ipVersion, t.unicodeHost],
        input,
      );
    }),
    { numRuns: 3000 },
  );
});
