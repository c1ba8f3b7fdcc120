import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { type AiaFetcherOptions, createAiaFetcher } from '../src/probe/aia.js';
import * as x509 from '../src/probe/x509.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Route, type Running, startHttpServer } from './support/servers.js';

const onlyFirstLoopback = createAddressPolicy(['127.0.0.1/32']);
const defaultPolicy = createAddressPolicy([]);

let chain: Chain;
let server: Running & { requests: string[] };
const routes: Record<string, Route> = {};

before(async () => {
  chain = await makeChain({ intermediates: [{}] });
  server = await startHttpServer(routes);
  const inter = chain.intermediates[0]!;
  const pkcs7 = new x509.X509Certificates([inter.cert, chain.root.cert]);
  Object.assign(routes, {
    '/der': { body: Buffer.from(inter.der), headers: { 'content-type': 'application/pkix-cert' } },
    '/pem': { body: chain.fullchainPem },
    '/p7c': { body: Buffer.from(pkcs7.export('raw')), headers: { 'content-type': 'application/pkcs7-mime' } },
    '/p7c-pem': { body: pkcs7.export('pem') },
    '/garbage': { body: 'hello, this is not a certificate' },
    '/big': { body: Buffer.alloc(200_000, 0x30) },
    '/hang': { hang: true },
    '/missing-status': { status: 404 },
    '/r1': { status: 302, headers: { location: '/der' } },
    '/r2': { status: 301, headers: { location: '/r1' } },
    '/r3': { status: 302, headers: { location: '/r2' } },
    '/to-other-host': { status: 302, headers: { location: 'http://127.0.0.2:9/der' } },
  });
});
after(() => server.close());

const fetcher = (over: Partial<AiaFetcherOptions> = {}) =>
  createAiaFetcher({ policy: onlyFirstLoopback, timeoutMs: 2000, ...over });

const okCases: [string, number][] = [
  ['/der', 1],
  ['/pem', 2],
  ['/p7c', 2],
  ['/p7c-pem', 2],
  ['/r2', 1],
];
for (const [path, count] of okCases) {
  test(`AIA body ${path} yields ${count} certificate(s)`, async () => {
    const res = await fetcher()(`${server.url}${path}`);
    assert.equal(res.status, 'ok', res.error ?? '');
    assert.equal(res.certs.length, count);
    assert.equal(res.ders.length, count);
    assert.equal(res.certs[0], path.startsWith('/pem') ? chain.leaf.info.sha256 : chain.intermediates[0]!.info.sha256);
  });
}

const errorCases: [string, string, Partial<AiaFetcherOptions>][] = [
  ['/garbage', 'malformed', {}],
  ['/big', 'too_large', {}],
  ['/hang', 'connection_timeout', { timeoutMs: 150 }],
  ['/missing-status', 'fetch_failed', {}],
  ['/r3', 'fetch_failed', {}],
];
for (const [path, code, over] of errorCases) {
  test(`AIA ${path} fails with ${code}`, async () => {
    const res = await fetcher(over)(`${server.url}${path}`);
    assert.equal(res.status, 'error');
    assert.equal(res.error?.split(':')[0], code, res.error ?? '');
    assert.deepEqual(res.ders, []);
  });
}

test('a body over a custom cap is too_large even when small', async () => {
  const res = await fetcher({ maxBytes: 100 })(`${server.url}/pem`);
  assert.equal(res.error?.split(':')[0], 'too_large');
});

test('loopback refused by the policy: blocked, nothing requested', async () => {
  const before = server.requests.length;
  const res = await fetcher({ policy: defaultPolicy })(`${server.url}/der`);
  assert.equal(res.status, 'blocked');
  assert.match(res.blockedBy ?? '', /^127\.0\.0\.0\/8/);
  assert.equal(server.requests.length, before);
});

test('a host name is resolved once and the checked address is the one connected to', async () => {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    return [{ address: '127.0.0.1', family: 4 as const }];
  };
  const res = await fetcher({ lookup })(`http://aia.example.test:${server.port}/der`);
  assert.equal(res.status, 'ok', res.error ?? '');
  assert.deepEqual(asked, ['aia.example.test']);
});

test('a host name resolving only to refused addresses is blocked', async () => {
  const lookup = async () => [
    { address: '127.0.0.1', family: 4 as const },
    { address: '::1', family: 6 as const },
  ];
  const res = await fetcher({ lookup, policy: defaultPolicy })(`http://aia.example.test:${server.port}/der`);
  assert.equal(res.status, 'blocked');
});

test('a redirect is checked against the policy again', async () => {
  const res = await fetcher()(`${server.url}/to-other-host`);
  assert.equal(res.status, 'blocked');
});

test('a non-HTTP URL is not fetched', async () => {
  const res = await fetcher()('ldap://ldap.example.test/cn=ca?cACertificate');
  assert.equal(res.status, 'error');
  assert.equal(res.error?.split(':')[0], 'fetch_failed');
});

test('results are cached: success for an hour, failure for five minutes', async () => {
  let clock = 1_000_000;
  const fetch = fetcher({ now: () => clock, cache: new Map() });
  const count = () => server.requests.filter((r) => r === '/der' || r === '/missing-status').length;
  const start = count();
  assert.equal((await fetch(`${server.url}/der`)).status, 'ok');
  assert.equal((await fetch(`${server.url}/der`)).status, 'cached');
  assert.equal((await fetch(`${server.url}/missing-status`)).status, 'error');
  assert.equal((await fetch(`${server.url}/missing-status`)).status, 'error');
  assert.equal(count() - start, 2);
  clock += 6 * 60 * 1000;
  await fetch(`${server.url}/missing-status`);
  assert.equal((await fetch(`${server.url}/der`)).status, 'cached');
  assert.equal(count() - start, 3);
  clock += 60 * 60 * 1000;
  assert.equal((await fetch(`${server.url}/der`)).status, 'ok');
  assert.equal(count() - start, 4);
});
