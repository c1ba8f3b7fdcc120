import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { blockedFailure, type LookupFn, probeAddresses, resolveTarget } from '../src/probe/resolve.js';
import { parseTarget } from '../src/probe/target.js';
import type { Attempt, ResolvedAddress } from '../src/probe/types.js';

const closed = createAddressPolicy([]);
const loopbackOpen = createAddressPolicy(['127.0.0.0/8', '::1']);

const noLookup: LookupFn = () => {
  throw new Error('an IP literal must not be looked up');
};

function completed(attempt: Attempt<ResolvedAddress[]>): ResolvedAddress[] {
  assert.equal(attempt.status, 'completed', JSON.stringify(attempt));
  return (attempt as { result: ResolvedAddress[] }).result;
}

function gaiError(code: string, host: string): Error {
  return Object.assign(new Error(`getaddrinfo ${code} ${host}`), {
    code,
    errno: -3008,
    syscall: 'getaddrinfo',
    hostname: host,
  });
}

test('IP literals are judged without a lookup', async () => {
  const v4 = await resolveTarget(parseTarget('127.0.0.1:8443'), { policy: closed, timeoutMs: 100, lookup: noLookup });
  assert.deepEqual(completed(v4), [
    { address: '127.0.0.1', family: 4, allowed: false, blockedBy: '127.0.0.0/8 (loopback)' },
  ]);
  const v6 = await resolveTarget(parseTarget('[::1]:443'), { policy: loopbackOpen, timeoutMs: 100, lookup: noLookup });
  assert.deepEqual(completed(v6), [{ address: '::1', family: 6, allowed: true, blockedBy: null }]);
});

test('localhost resolves through the system resolver (hosts file) and is refused by default', async () => {
  const addresses = completed(await resolveTarget(parseTarget('localhost'), { policy: closed, timeoutMs: 2000 }));
  assert.ok(addresses.length >= 1);
  assert.ok(
    addresses.some((a) => a.address === '127.0.0.1' || a.address === '::1'),
    JSON.stringify(addresses),
  );
  assert.ok(addresses.every((a) => !a.allowed && a.blockedBy !== null));
});

test('answers keep resolver order, lose duplicates and carry the policy verdict', async () => {
  const lookup: LookupFn = async () => [
    { address: '2606:4700::6810:84e5', family: 6 },
    { address: '104.16.132.229', family: 4 },
    { address: '10.0.0.5', family: 4 },
    { address: '104.16.132.229', family: 4 },
    { address: '2606:4700::6810:84E5', family: 6 },
    { address: 'fe80::1', family: 6 },
  ];
  const addresses = completed(
    await resolveTarget(parseTarget('multi.example'), { policy: closed, timeoutMs: 100, lookup }),
  );
  assert.deepEqual(
    addresses.map((a) => [a.address, a.family, a.allowed]),
    [
      ['2606:4700::6810:84e5', 6, true],
      ['104.16.132.229', 4, true],
      ['10.0.0.5', 4, false],
      ['fe80::1', 6, false],
    ],
  );
});

test('resolver failures become dns_not_found or dns_failed naming the host', async () => {
  const cases: ReadonlyArray<readonly [LookupFn, string]> = [
    [async (h) => Promise.reject(gaiError('ENOTFOUND', h)), 'dns_not_found'],
    [async (h) => Promise.reject(gaiError('ENODATA', h)), 'dns_not_found'],
    [async (h) => Promise.reject(gaiError('EAI_NONAME', h)), 'dns_not_found'],
    [async () => [], 'dns_not_found'],
    [async (h) => Promise.reject(gaiError('EAI_AGAIN', h)), 'dns_failed'],
    [async (h) => Promise.reject(gaiError('ESERVFAIL', h)), 'dns_failed'],
    [async () => Promise.reject(new Error('resolver exploded')), 'dns_failed'],
    [async () => Promise.reject('a string, not an Error'), 'dns_failed'],
    [
      () => {
        throw new TypeError('synchronous throw');
      },
      'dns_failed',
    ],
  ];
  for (const [lookup, code] of cases) {
    const attempt = await resolveTarget(parseTarget('broken.example'), { policy: closed, timeoutMs: 100, lookup });
    assert.equal(attempt.status === 'error' && attempt.code, code, JSON.stringify(attempt));
    assert.ok(attempt.status === 'error' && attempt.error.includes('"broken.example"'), JSON.stringify(attempt));
  }
});

test('a lookup that never settles is cut off at the timeout', async () => {
  const lookup: LookupFn = () => new Promise(() => {});
  const started = performance.now();
  const attempt = await resolveTarget(parseTarget('hang.example'), { policy: closed, timeoutMs: 50, lookup });
  const elapsed = performance.now() - started;
  assert.equal(attempt.status === 'error' && attempt.code, 'dns_failed');
  assert.ok(attempt.status === 'error' && attempt.error.includes('within 50 ms'), JSON.stringify(attempt));
  assert.ok(elapsed >= 45 && elapsed < 1000, `took ${elapsed} ms`);
});

function addr(address: string, allowed = true): ResolvedAddress {
  return { address, family: address.includes(':') ? 6 : 4, allowed, blockedBy: allowed ? null : 'x' };
}

test('probeAddresses interleaves families, starting with the first, skipping refused ones', () => {
  const cases: ReadonlyArray<readonly [ResolvedAddress[], number, string[]]> = [
    [[], 8, []],
    [[addr('1.1.1.1'), addr('1.0.0.1')], 8, ['1.1.1.1', '1.0.0.1']],
    [
      [addr('2001:db8::1'), addr('2001:db8::2'), addr('192.0.2.1'), addr('192.0.2.2')],
      8,
      ['2001:db8::1', '192.0.2.1', '2001:db8::2', '192.0.2.2'],
    ],
    [[addr('192.0.2.1'), addr('2001:db8::1'), addr('2001:db8::2')], 8, ['192.0.2.1', '2001:db8::1', '2001:db8::2']],
    [[addr('10.0.0.1', false), addr('2001:db8::1'), addr('192.0.2.1')], 8, ['2001:db8::1', '192.0.2.1']],
    [[addr('10.0.0.1', false), addr('::1', false)], 8, []],
    [
      Array.from({ length: 12 }, (_, i) => addr(`192.0.2.${i + 1}`)),
      8,
      Array.from({ length: 8 }, (_, i) => `192.0.2.${i + 1}`),
    ],
    [[addr('2001:db8::1'), addr('192.0.2.1'), addr('192.0.2.2')], 2, ['2001:db8::1', '192.0.2.1']],
  ];
  for (const [resolved, max, expected] of cases) {
    assert.deepEqual(
      probeAddresses(resolved, max).map((a) => a.address),
      expected,
    );
  }
});

test('blockedFailure reports address_blocked only when every address is refused', () => {
  const target = parseTarget('internal.example');
  const refused = [
    { address: '10.0.0.1', family: 4 as const, allowed: false, blockedBy: '10.0.0.0/8 (private, RFC 1918)' },
  ];
  const failure = blockedFailure(target, refused);
  assert.equal(failure?.code, 'address_blocked');
  assert.ok(failure?.error.includes('"internal.example"') && failure.error.includes('10.0.0.0/8'));
  assert.equal(blockedFailure(target, [...refused, addr('192.0.2.1')]), null);
  assert.equal(blockedFailure(target, []), null);
});
