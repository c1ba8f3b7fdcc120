/**
 * OCSP answers cached until their nextUpdate (per process, bounded), and OCSP asked alongside a slow CRL
 * without changing the CRL-first verdict. Real responder on loopback, the real guarded fetch.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { check } from '../src/check.js';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { guardedFetch } from '../src/probe/fetch.js';
import { type CrlCache, checkRevocation, OCSP_HEDGE_MS, type OcspCache } from '../src/probe/revocation/check.js';
import { OCSP_CACHE_LIMIT } from '../src/probe/revocation/ocsp-fetch.js';
import type { CertRevocation } from '../src/probe/types.js';
import { type Chain, type Issued, makeCert, makeChain } from './support/pki.js';
import { makeCrl, makeOcspResponse, type RevocationServer, startRevocationServer } from './support/revocation.js';
import { type Running, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
const policy = createAddressPolicy(['127.0.0.0/8']);
let rev: RevocationServer;
let pki: Chain;
let inter: Issued;
let n = 0;
const open: Running[] = [];

before(async () => {
  rev = await startRevocationServer();
  pki = await makeChain({}, now);
  inter = pki.intermediates[0]!;
});
after(async () => {
  await Promise.all(open.map((s) => s.close()));
  await rev.close();
});

async function leaf(opts: { crl?: boolean; ocsp?: boolean }) {
  const id = `q${++n}`;
  const cert = await makeCert(
    {
      subject: 'CN=localhost',
      dnsNames: ['localhost'],
      notBefore: new Date(now.getTime() - 10 * DAY),
      notAfter: new Date(now.getTime() + 60 * DAY),
      ...(opts.crl ? { crlUrl: `${rev.url}/crl/${id}` } : {}),
      ...(opts.ocsp ? { ocspUrl: `${rev.url}/ocsp/${id}` } : {}),
    },
    inter,
  );
  return { cert, crlPath: `/crl/${id}`, ocspPath: `/ocsp/${id}` };
}

interface RunOpts {
  at?: Date;
  ocspCache?: OcspCache;
  cache?: CrlCache;
  timeoutMs?: number;
}

async function run(cert: Issued, o: RunOpts = {}): Promise<CertRevocation> {
  const report = await checkRevocation(
    { built: [cert.info, inter.info, pki.root.info], sources: ['sent', 'sent', 'trust_store'], staple: null },
    {
      now: o.at ?? now,
      cache: o.cache ?? new Map(),
      ocspCache: o.ocspCache ?? new Map(),
      fetch: (req, maxBytes, signal) =>
        guardedFetch(req, { policy, maxBytes, timeoutMs: o.timeoutMs ?? 2_000, signal }),
    },
  );
  return report.certs[0]!;
}

const asked = (path: string) => rev.requests.filter((r) => r.path.startsWith(`${path}/`) || r.path === path).length;

describe('OCSP cache', () => {
  test('a verified answer is reused until nextUpdate: the second check asks nobody and says cached', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    rev.routes.set(ocspPath, {
      body: makeOcspResponse({ cert, issuer: inter, status: 'revoked', reason: 'keyCompromise' }, now),
    });
    const ocspCache: OcspCache = new Map();
    const first = await run(cert, { ocspCache });
    const second = await run(cert, { ocspCache });
    assert.equal(first.status, 'revoked');
    assert.equal(first.sources[0]!.cached, undefined);
    assert.equal(second.status, 'revoked');
    assert.equal(second.sources[0]!.reason, 'keyCompromise');
    assert.equal(second.sources[0]!.cached, true);
    assert.equal(asked(ocspPath), 1);
  });

  test('past nextUpdate the responder is asked again', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    const ocspCache: OcspCache = new Map();
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    await run(cert, { ocspCache });
    const later = new Date(now.getTime() + 4 * DAY);
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, later) });
    const again = await run(cert, { ocspCache, at: later });
    assert.equal(again.status, 'good');
    assert.equal(again.sources[0]!.cached, undefined);
    assert.equal(asked(ocspPath), 2);
  });

  test('answers without nextUpdate, "unknown" and invalid answers are not kept', async () => {
    const cases = [
      (cert: Issued) => makeOcspResponse({ cert, issuer: inter, status: 'good', nextUpdate: null }, now),
      (cert: Issued) => makeOcspResponse({ cert, issuer: inter, status: 'unknown' }, now),
      (cert: Issued) => makeOcspResponse({ cert, issuer: inter, status: 'good', badSignature: true }, now),
    ];
    for (const body of cases) {
      const { cert, ocspPath } = await leaf({ ocsp: true });
      rev.routes.set(ocspPath, { body: body(cert) });
      const ocspCache: OcspCache = new Map();
      await run(cert, { ocspCache });
      await run(cert, { ocspCache });
      assert.equal(ocspCache.size, 0);
      assert.equal(asked(ocspPath), 2);
    }
  });

  test(`the cache holds at most ${OCSP_CACHE_LIMIT} answers, dropping the oldest`, async () => {
    const ocspCache: OcspCache = new Map();
    for (let i = 0; i < OCSP_CACHE_LIMIT; i++)
      ocspCache.set(`old-${i}`, { expiresAt: Infinity, body: new Uint8Array(1) });
    const { cert, ocspPath } = await leaf({ ocsp: true });
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    await run(cert, { ocspCache });
    assert.equal(ocspCache.size, OCSP_CACHE_LIMIT);
    assert.equal(ocspCache.has('old-0'), false);
    assert.ok([...ocspCache.keys()].some((k) => k.includes(ocspPath)));
  });

  test('end to end: a second check() of the same server reads the per-process cache', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    const server = await startTlsServer({ certPem: cert.pem + inter.pem, keyPem: cert.keyPem });
    open.push(server);
    const go = () =>
      check(`https://localhost:${server.port}/`, {
        now: () => now,
        allow: ['127.0.0.0/8'],
        extraCaPem: [pki.root.pem],
        timeoutMs: 5_000,
      });
    const sourceOf = (d: Awaited<ReturnType<typeof go>>) => {
      const r = d.report.endpoints[0]!.revocation;
      return r?.status === 'completed' ? r.result.certs[0]!.sources[0] : undefined;
    };
    assert.equal(sourceOf(await go())?.cached, undefined);
    const second = sourceOf(await go());
    assert.equal(second?.outcome, 'good');
    assert.equal(second?.cached, true);
    assert.equal(asked(ocspPath), 1);
  });
});

describe('CRL first, OCSP alongside a slow CRL', () => {
  test('a CRL that answers at once costs no OCSP request', async () => {
    const { cert, crlPath, ocspPath } = await leaf({ crl: true, ocsp: true });
    rev.routes.set(crlPath, { body: await makeCrl({ issuer: inter }, now) });
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    const c = await run(cert);
    assert.equal(c.status, 'good');
    assert.deepEqual(
      c.sources.map((s) => s.kind),
      ['crl'],
    );
    assert.equal(asked(ocspPath), 0);
  });

  test(`a CRL slower than ${OCSP_HEDGE_MS} ms that then answers still decides alone (OCSP was asked, not counted)`, async () => {
    const { cert, crlPath, ocspPath } = await leaf({ crl: true, ocsp: true });
    rev.routes.set(crlPath, {
      body: await makeCrl({ issuer: inter, revoked: [{ cert, reason: 'superseded' }] }, now),
      delayMs: OCSP_HEDGE_MS + 700,
    });
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    const c = await run(cert);
    assert.equal(c.status, 'revoked');
    assert.equal(c.revokedBy, 'crl');
    assert.deepEqual(
      c.sources.map((s) => s.kind),
      ['crl'],
    );
    assert.equal(asked(ocspPath), 1);
  });

  test('a hanging CRL: the OCSP answer is ready when the CRL gives up, not one round trip later', async () => {
    const { cert, crlPath, ocspPath } = await leaf({ crl: true, ocsp: true });
    rev.routes.set(crlPath, { hang: true });
    rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now), delayMs: 1_500 });
    const started = performance.now();
    const c = await run(cert, { timeoutMs: 2_000 });
    const took = performance.now() - started;
    assert.equal(c.status, 'good');
    assert.deepEqual(
      c.sources.map((s) => `${s.kind}:${s.outcome}`),
      ['crl:error', 'ocsp:good'],
    );
    assert.match(c.sources[0]!.error ?? '', /^connection_timeout:/);
    // One after the other: 2,000 ms CRL timeout + 1,500 ms OCSP = 3,500 ms; overlapped: ~2,000 ms.
    assert.ok(took < 3_000, `took ${took.toFixed(0)} ms`);
  });
});
