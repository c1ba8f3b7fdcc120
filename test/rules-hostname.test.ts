import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName, dnsNameMatches, normaliseIp, wildcardHint } from '../src/rules/lib/hostname.js';

const matches: [pattern: string, host: string, want: boolean][] = [
  ['example.com', 'example.com', true],
  ['Example.COM', 'example.com', true],
  ['example.com.', 'EXAMPLE.com.', true],
  ['*.example.com', 'a.example.com', true],
  ['*.example.com', 'A.EXAMPLE.COM.', true],
  ['*.example.com', 'a.b.example.com', false],
  ['*.example.com', 'example.com', false],
  ['*.example.com', '.example.com', false],
  ['*.com', 'example.com', false],
  ['f*.example.com', 'foo.example.com', false],
  ['a.*.example.com', 'a.b.example.com', false],
  ['xn--bcher-kva.example', 'bücher.example', true],
  ['www.example.com', 'example.com', false],
];

for (const [pattern, host, want] of matches) {
  test(`dnsNameMatches(${pattern}, ${host}) = ${want}`, () => assert.equal(dnsNameMatches(pattern, host), want));
}

test('IPv6 addresses compare in canonical form', () => {
  assert.equal(normaliseIp('2001:DB8:0:0:0:0:0:1'), normaliseIp('2001:db8::1'));
  assert.equal(normaliseIp('[::1]'), '::1');
  assert.equal(normaliseIp('192.0.2.1'), '192.0.2.1');
});

test('closest SAN and wildcard hints', () => {
  assert.equal(closestName(['other.net', '*.example.com', 'example.com'], 'a.b.example.com'), '*.example.com');
  assert.equal(closestName([], 'example.com'), null);
  assert.equal(wildcardHint(['*.example.com'], 'a.b.example.com'), 'a wildcard covers one label');
  assert.equal(wildcardHint(['*.example.com'], 'example.com'), 'a wildcard does not cover `example.com` itself');
  assert.equal(wildcardHint(['example.org'], 'example.com'), null);
});
