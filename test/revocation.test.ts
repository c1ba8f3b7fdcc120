/**
 * Revocation against a test PKI with CRL and OCSP servers on loopback: every source outcome and every
 * verification failure, through the real guarded fetch (address policy, caps, deadline).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OCSPResponseStatus } from '@peculiar/asn1-ocsp';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { guardedFetch } from '../src/probe/fetch.js';
import { type CrlCache, checkRevocation } from '../src/probe/revocation/check.js';
import { checkRevocationOffline } from '../src/probe/revocation/offline.js';
import type { CertRevocation, RevocationReport } from '../src/probe/types.js';
import { type CertSpec, type Chain, type Issued, makeCert, makeChain } from './support/pki.js';
import {
  makeCrl,
  makeOcspResponse,
  REASON_CODES,
  type ReasonName,
  type RevocationServer,
  startRevocationServer,
} from './support/revocation.js';

const DAY = 86_400_000;
const now = new Date();
const policy = createAddressPolicy(['127.0.0.0/8']);
let server: RevocationServer;
let pki: Chain;
let inter: Issued;
let otherCa: Chain;
let stranger: Issued;
let n = 0;

before(async () => {
  server = await startRevocationServer();
  pki = await makeChain({}, now);
  inter = pki.intermediates[0]!;
  otherCa = await makeChain({}, now);
  stranger = await makeCert({ subject: 'CN=Stranger CA', ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
});
after(() => server.close());

/** A fresh leaf under the shared intermediate, pointing at its own CRL and/or OCSP paths. */
async function leaf(over: Partial<CertSpec> & { crl?: boolean; ocsp?: boolean | string } = {}) {
  const id = `c${++n}`;
  const ocspPath = typeof over.ocsp === 'string' ? over.ocsp : `/ocsp/${id}`;
  const cert = await makeCert(
    {
      subject: `CN=leaf-${id}`,
      dnsNames: ['localhost'],
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['serverAuth'],
      notBefore: new Date(now.getTime() - 10 * DAY),
      notAfter: new Date(now.getTime() + 60 * DAY),
      ...(over.crl ? { crlUrl: `${server.url}/crl/${id}` } : {}),
      ...(over.ocsp ? { ocspUrl: `${server.url}${ocspPath}` } : {}),
      ...over,
    },
    inter,
  );
  return { cert, crlPath: `/crl/${id}`, ocspPath };
}

function run(cert: Issued, opts: { staple?: Buffer; timeoutMs?: number; cache?: CrlCache; signal?: AbortSignal } = {}) {
  return checkRevocation(
    {
      built: [cert.info, inter.info, pki.root.info],
      sources: ['sent', 'sent', 'trust_store'],
      staple: opts.staple ?? null,
    },
    {
      now,
      cache: opts.cache ?? new Map(),
      fetch: (req, maxBytes) =>
        guardedFetch(req, { policy, maxBytes, timeoutMs: opts.timeoutMs ?? 2_000, signal: opts.signal }),
    },
  );
}

const leafOf = (r: RevocationReport): CertRevocation => r.certs.find((c) => c.certIndex === 0)!;
const outcomes = (c: CertRevocation) =>
  c.sources.map((s) => `${s.kind}:${s.outcome}${s.problem ? `/${s.problem}` : ''}`);

describe('CRL', () => {
  test('a current CRL that does not list the certificate: good', async () => {
    const { cert, crlPath } = await leaf({ crl: true });
    server.routes.set(crlPath, { body: await makeCrl({ issuer: inter, revoked: [] }, now) });
    const c = leafOf(await run(cert));
    assert.equal(c.status, 'good');
    assert.deepEqual(outcomes(c), ['crl:good']);
  });

  for (const reason of Object.keys(REASON_CODES) as ReasonName[]) {
    test(`a CRL listing the certificate with reason ${reason}: revoked, with that reason and date`, async () => {
      const { cert, crlPath } = await leaf({ crl: true });
      const at = new Date(now.getTime() - 3 * DAY);
      server.routes.set(crlPath, { body: await makeCrl({ issuer: inter, revoked: [{ cert, reason, at }] }, now) });
      const c = leafOf(await run(cert));
      assert.equal(c.status, 'revoked');
      // RFC 5280 §5.3.1: reason unspecified SHOULD be left out, so it reads back as no reason
      assert.equal(c.reason, reason === 'unspecified' ? null : reason);
      assert.equal(c.revokedBy, 'crl');
      assert.equal(c.revokedAt, new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString());
    });
  }

  const invalidCases: [string, (cert: Issued) => Promise<Buffer>, string][] = [
    [
      'stale (nextUpdate passed)',
      (cert) =>
        makeCrl(
          {
            issuer: inter,
            revoked: [{ cert }],
            thisUpdate: new Date(now.getTime() - 9 * DAY),
            nextUpdate: new Date(now.getTime() - DAY),
          },
          now,
        ),
      'stale',
    ],
    [
      'signed by another CA',
      (cert) => makeCrl({ issuer: inter, revoked: [{ cert }], signer: otherCa.intermediates[0]! }, now),
      'bad_signature',
    ],
    ['issued by another CA', (cert) => makeCrl({ issuer: stranger, revoked: [{ cert }] }, now), 'wrong_cert'],
    ['a delta CRL', (cert) => makeCrl({ issuer: inter, revoked: [{ cert }], delta: true }, now), 'delta_crl'],
    ['malformed', async () => Buffer.from('0\x82\x01\x00 this is not a CRL'), 'malformed'],
  ];
  for (const [name, make, problem] of invalidCases) {
    test(`a CRL that is ${name} is not believed (${problem}); the certificate stays unchecked`, async () => {
      const { cert, crlPath } = await leaf({ crl: true });
      server.routes.set(crlPath, { body: await make(cert) });
      const c = leafOf(await run(cert));
      assert.equal(c.status, 'unchecked');
      assert.deepEqual(outcomes(c), [`crl:invalid/${problem}`]);
    });
  }

  test('a PEM CRL is read like a DER one', async () => {
    const { cert, crlPath } = await leaf({ crl: true });
    server.routes.set(crlPath, {
      body: await makeCrl({ issuer: inter, revoked: [{ cert, reason: 'superseded' }], pem: true }, now),
    });
    assert.equal(leafOf(await run(cert)).status, 'revoked');
  });

  test('a CRL of 1,500 entries is read, and finds the one listed', async () => {
    const { cert, crlPath } = await leaf({ crl: true });
    const fillerSerials = Array.from({ length: 1_500 }, (_, i) => `7f${i.toString(16).padStart(8, '0')}`);
    const body = await makeCrl({ issuer: inter, revoked: [{ cert, reason: 'superseded' }], fillerSerials }, now);
    server.routes.set(crlPath, { body });
    const c = leafOf(await run(cert, { timeoutMs: 10_000 }));
    assert.equal(c.status, 'revoked', outcomes(c).join(' '));
  });

  test('a huge CRL is cut off at the size cap (too_large), without reading it all', async () => {
    const { cert, crlPath } = await leaf({ crl: true });
    server.routes.set(crlPath, { streamBytes: 64 * 1024 * 1024 });
    const c = leafOf(await run(cert, { timeoutMs: 10_000 }));
    assert.equal(c.status, 'unchecked');
    assert.equal(c.sources[0]!.outcome, 'error');
    assert.match(c.sources[0]!.error ?? '', /^too_large:/);
  });

  test('a verified CRL is cached until its nextUpdate: the second check asks nobody', async () => {
    const { cert, crlPath } = await leaf({ crl: true });
    server.routes.set(crlPath, { body: await makeCrl({ issuer: inter, revoked: [] }, now) });
    const cache: CrlCache = new Map();
    await run(cert, { cache });
    const c = leafOf(await run(cert, { cache }));
    assert.equal(c.sources[0]!.cached, true);
    assert.equal(server.requests.filter((r) => r.path === crlPath).length, 1);
  });

  test('an unreachable CRL falls back to OCSP', async () => {
    const { cert, crlPath, ocspPath } = await leaf({ crl: true, ocsp: true });
    server.routes.set(crlPath, { status: 503 });
    server.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    const c = leafOf(await run(cert));
    assert.equal(c.status, 'good');
    assert.deepEqual(outcomes(c), ['crl:error', 'ocsp:good']);
  });
});

describe('OCSP responder', () => {
  test('good, asked with GET (the request is small, RFC 5019 §5)', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    server.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    const c = leafOf(await run(cert));
    assert.equal(c.status, 'good');
    const req = server.requests.find((r) => r.path.startsWith(`${ocspPath}/`));
    assert.equal(req?.method, 'GET');
  });

  test('a long responder URL makes the request a POST', async () => {
    const long = `/ocsp/${'x'.repeat(220)}`;
    const { cert } = await leaf({ ocsp: long });
    server.routes.set(long, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    assert.equal(leafOf(await run(cert)).status, 'good');
    const req = server.requests.find((r) => r.path === long);
    assert.equal(req?.method, 'POST');
    assert.ok((req?.bodyBytes ?? 0) > 50);
  });

  for (const reason of ['keyCompromise', 'superseded', 'cessationOfOperation', 'certificateHold'] as ReasonName[]) {
    test(`revoked (${reason})`, async () => {
      const { cert, ocspPath } = await leaf({ ocsp: true });
      server.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'revoked', reason }, now) });
      const c = leafOf(await run(cert));
      assert.equal(c.status, 'revoked');
      assert.equal(c.reason, reason);
      assert.equal(c.revokedBy, 'ocsp');
    });
  }

  test('unknown', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    server.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'unknown' }, now) });
    assert.equal(leafOf(await run(cert)).status, 'unknown');
  });

  test('a delegated responder with id-kp-OCSPSigning is accepted; without it, refused', async () => {
    const delegated = await makeCert(
      { subject: 'CN=OCSP responder', extKeyUsage: ['1.3.6.1.5.5.7.3.9'], keyUsage: ['digitalSignature'] },
      inter,
    );
    const notDelegated = await makeCert(
      { subject: 'CN=not a responder', extKeyUsage: ['serverAuth'], keyUsage: ['digitalSignature'] },
      inter,
    );
    for (const [signer, status] of [
      [delegated, 'good'],
      [notDelegated, 'unchecked'],
    ] as const) {
      const { cert, ocspPath } = await leaf({ ocsp: true });
      const body = makeOcspResponse({ cert, issuer: inter, status: 'good', signer, include: [signer] }, now);
      server.routes.set(ocspPath, { body });
      const c = leafOf(await run(cert));
      assert.equal(c.status, status, signer.info.subject);
      if (status === 'unchecked') assert.deepEqual(outcomes(c), ['ocsp:invalid/wrong_signer']);
    }
  });

  const invalid: [string, (cert: Issued) => Buffer, string][] = [
    [
      'stale',
      (cert) =>
        makeOcspResponse(
          {
            cert,
            issuer: inter,
            status: 'revoked',
            thisUpdate: new Date(now.getTime() - 5 * DAY),
            nextUpdate: new Date(now.getTime() - DAY),
          },
          now,
        ),
      'stale',
    ],
    [
      'signed by another CA',
      (cert) => makeOcspResponse({ cert, issuer: inter, status: 'revoked', signer: otherCa.intermediates[0]! }, now),
      'wrong_signer',
    ],
    [
      'signature corrupted',
      (cert) => makeOcspResponse({ cert, issuer: inter, status: 'revoked', badSignature: true }, now),
      'bad_signature',
    ],
    [
      'for another certificate',
      (cert) => makeOcspResponse({ cert, issuer: inter, status: 'revoked', serialOf: inter }, now),
      'wrong_cert',
    ],
    [
      'tryLater',
      (cert) =>
        makeOcspResponse({ cert, issuer: inter, status: 'good', responseStatus: OCSPResponseStatus.tryLater }, now),
      'not_successful',
    ],
    ['garbage', () => Buffer.from('<html>503</html>'), 'malformed'],
  ];
  for (const [name, make, problem] of invalid) {
    test(`a response ${name} is not believed (${problem})`, async () => {
      const { cert, ocspPath } = await leaf({ ocsp: true });
      server.routes.set(ocspPath, { body: make(cert) });
      const c = leafOf(await run(cert));
      assert.equal(c.status, 'unchecked');
      assert.deepEqual(outcomes(c), [`ocsp:invalid/${problem}`]);
    });
  }

  test('a hanging responder is cut off by the deadline signal, and leaves the certificate unchecked', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    server.routes.set(ocspPath, { hang: true });
    const t0 = Date.now();
    const c = leafOf(await run(cert, { timeoutMs: 60_000, signal: AbortSignal.timeout(500) }));
    assert.ok(Date.now() - t0 < 500 + 1_500, `took ${Date.now() - t0} ms`);
    assert.equal(c.status, 'unchecked');
    assert.match(c.sources[0]!.error ?? '', /^connection_timeout:/);
  });

  test('a responder on a blocked address is refused by the address policy', async () => {
    const cert = await makeCert({ subject: 'CN=meta', ocspUrl: 'http://169.254.169.254/ocsp' }, inter);
    const c = leafOf(await run(cert));
    assert.deepEqual(outcomes(c), ['ocsp:blocked']);
  });
});

describe('staple', () => {
  test('a good staple answers for the leaf and the responder is not asked', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    const staple = makeOcspResponse({ cert, issuer: inter, status: 'good' }, now);
    const c = leafOf(await run(cert, { staple }));
    assert.deepEqual(outcomes(c), ['staple:good']);
    assert.equal(server.requests.filter((r) => r.path.startsWith(ocspPath)).length, 0);
  });

  test('a stale staple is invalid and the responder is asked instead', async () => {
    const { cert, ocspPath } = await leaf({ ocsp: true });
    server.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
    const staple = makeOcspResponse(
      {
        cert,
        issuer: inter,
        status: 'good',
        thisUpdate: new Date(now.getTime() - 10 * DAY),
        nextUpdate: new Date(now.getTime() - 3 * DAY),
      },
      now,
    );
    const c = leafOf(await run(cert, { staple }));
    assert.deepEqual(outcomes(c), ['staple:invalid/stale', 'ocsp:good']);
  });
});

describe('offline (inspect --crl / --ocsp-response)', () => {
  test('files are matched to the certificates they are about', async () => {
    const { cert } = await leaf();
    const crl = await makeCrl({ issuer: inter, revoked: [{ cert, reason: 'keyCompromise' }] }, now);
    const rootCrl = await makeCrl({ issuer: pki.root, revoked: [] }, now);
    const ocsp = makeOcspResponse({ cert, issuer: inter, status: 'revoked', reason: 'keyCompromise' }, now);
    const strangers = makeOcspResponse({ cert: otherCa.leaf, issuer: otherCa.intermediates[0]!, status: 'good' }, now);
    const r = checkRevocationOffline({
      chain: [cert.info, inter.info, pki.root.info],
      crls: [crl, rootCrl],
      ocspResponses: [ocsp, strangers],
      now,
    });
    assert.deepEqual(
      r.certs.map((c) => [c.certIndex, c.status, outcomes(c).join(' ')]),
      [
        [0, 'revoked', 'crl:revoked ocsp:revoked'],
        [1, 'good', 'crl:good'],
      ],
    );
    assert.equal(r.notes.length, 1, r.notes.join('; '));
  });
});

test('the OCSP request is byte for byte what `openssl ocsp -no_nonce` sends', async (t) => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { ocspRequest } = await import('../src/probe/revocation/ocsp.js');
  const { revCert } = await import('../src/probe/revocation/signed.js');
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return t.skip('openssl is not installed');
  }
  const { cert } = await leaf();
  const dir = mkdtempSync(join(tmpdir(), 'ocsp-'));
  writeFileSync(join(dir, 'leaf.pem'), cert.pem);
  writeFileSync(join(dir, 'issuer.pem'), inter.pem);
  execFileSync(
    'openssl',
    [
      'ocsp',
      '-issuer',
      join(dir, 'issuer.pem'),
      '-cert',
      join(dir, 'leaf.pem'),
      '-no_nonce',
      '-reqout',
      join(dir, 'req.der'),
    ],
    { stdio: 'ignore' },
  );
  const ours = Buffer.from(ocspRequest(revCert(cert.info), revCert(inter.info)));
  assert.ok(ours.equals(readFileSync(join(dir, 'req.der'))));
});
