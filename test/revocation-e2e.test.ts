/**
 * Revocation end to end: real TLS servers on loopback (stapling through Node's 'OCSPRequest' event), a real
 * CRL/OCSP server, the whole check() pipeline, asserting finding codes, severities and cert indexes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { check } from '../src/check.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type CertSpec, type Chain, type Issued, makeCert, makeChain } from './support/pki.js';
import {
  makeCrl,
  makeOcspResponse,
  type RevocationServer,
  revocationLeaf,
  startRevocationServer,
} from './support/revocation.js';
import { type Running, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
let rev: RevocationServer;
let pki: Chain;
let inter: Issued;
const open: Running[] = [];
let n = 0;

before(async () => {
  rev = await startRevocationServer();
  pki = await makeChain({ intermediates: [{ crlUrl: 'http://127.0.0.1:9/unused' }] }, now);
  inter = pki.intermediates[0]!;
});
after(async () => {
  await Promise.all(open.map((s) => s.close()));
  await rev.close();
});

async function leaf(over: Partial<CertSpec> & { crl?: boolean; ocsp?: boolean } = {}) {
  const id = `e${++n}`;
  const cert = await revocationLeaf(inter, rev, id, now, over);
  return { cert, crlPath: `/crl/${id}`, ocspPath: `/ocsp/${id}` };
}

async function diagnose(cert: Issued, staple?: Buffer, timeoutMs = 5_000): Promise<Diagnosis> {
  const server = await startTlsServer({
    certPem: cert.pem + inter.pem,
    keyPem: cert.keyPem,
    ocspStaple: staple,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  });
  open.push(server);
  return check(`https://localhost:${server.port}/`, {
    now: () => now,
    allow: ['127.0.0.0/8', '::1/128'],
    extraCaPem: [pki.root.pem],
    timeoutMs,
  });
}

const codes = (d: Diagnosis) => d.findings.map((f) => `${f.code}@${f.certIndex}:${f.severity}`);
const has = (d: Diagnosis, code: string) => d.findings.find((f) => f.code === code);

test('a leaf the CRL lists: cert_revoked (critical, leaf) with reason and source', async () => {
  const { cert, crlPath } = await leaf({ crl: true });
  rev.routes.set(crlPath, {
    body: await makeCrl({ issuer: inter, revoked: [{ cert, reason: 'keyCompromise' }] }, now),
  });
  const d = await diagnose(cert);
  assert.equal(d.verdict, 'critical', codes(d).join(' '));
  const f = has(d, 'cert_revoked');
  assert.ok(f, codes(d).join(' '));
  assert.equal(f.certIndex, 0);
  assert.equal(f.params.reason, 'keyCompromise');
  assert.equal(f.params.source, 'crl');
  assert.equal(d.headline?.code, 'cert_revoked');
});

test('a leaf the OCSP responder calls revoked: cert_revoked from ocsp', async () => {
  const { cert, ocspPath } = await leaf({ ocsp: true });
  rev.routes.set(ocspPath, {
    body: makeOcspResponse({ cert, issuer: inter, status: 'revoked', reason: 'superseded' }, now),
  });
  const f = has(await diagnose(cert), 'cert_revoked');
  assert.equal(f?.params.source, 'ocsp');
  assert.equal(f?.params.reason, 'superseded');
});

test('an intermediate the root CRL lists: cert_revoked at certIndex 1', async () => {
  const root = await makeCert({ subject: 'CN=Rev Root', ca: true, keyUsage: ['keyCertSign', 'cRLSign'] });
  const mid = await makeCert(
    { subject: 'CN=Rev Mid', ca: true, keyUsage: ['keyCertSign', 'cRLSign'], crlUrl: `${rev.url}/crl/root-${n}` },
    root,
  );
  const cert = await makeCert({ subject: 'CN=localhost', dnsNames: ['localhost'], extKeyUsage: ['serverAuth'] }, mid);
  rev.routes.set(`/crl/root-${n}`, {
    body: await makeCrl({ issuer: root, revoked: [{ cert: mid, reason: 'cACompromise' }] }, now),
  });
  const server = await startTlsServer({ certPem: cert.pem + mid.pem, keyPem: cert.keyPem });
  open.push(server);
  const d = await check(`https://localhost:${server.port}/`, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [root.pem],
    timeoutMs: 5_000,
  });
  const f = has(d, 'cert_revoked');
  assert.equal(f?.certIndex, 1, codes(d).join(' '));
  assert.equal(f?.params.reason, 'cACompromise');
});

test('a good stapled response: no revocation finding but none is critical; the staple answered', async () => {
  const { cert } = await leaf({ ocsp: true });
  const d = await diagnose(cert, makeOcspResponse({ cert, issuer: inter, status: 'good' }, now));
  assert.equal(d.verdict, 'ok', codes(d).join(' '));
  const r = d.report.endpoints[0]?.revocation;
  assert.equal(r?.status, 'completed');
  if (r?.status === 'completed') assert.equal(r.result.certs[0]?.sources[0]?.kind, 'staple');
});

test('a stapled "revoked": cert_revoked from the staple', async () => {
  const { cert } = await leaf({ ocsp: true });
  const d = await diagnose(
    cert,
    makeOcspResponse({ cert, issuer: inter, status: 'revoked', reason: 'keyCompromise' }, now),
  );
  assert.equal(has(d, 'cert_revoked')?.params.source, 'staple', codes(d).join(' '));
  assert.equal(d.verdict, 'critical');
});

test('a stale staple: ocsp_staple_invalid (warning) while the responder says good', async () => {
  const { cert, ocspPath } = await leaf({ ocsp: true });
  rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
  const staple = makeOcspResponse(
    {
      cert,
      issuer: inter,
      status: 'good',
      thisUpdate: new Date(now.getTime() - 9 * DAY),
      nextUpdate: new Date(now.getTime() - 2 * DAY),
    },
    now,
  );
  const d = await diagnose(cert, staple);
  const f = has(d, 'ocsp_staple_invalid');
  assert.equal(f?.params.problem, 'stale', codes(d).join(' '));
  assert.equal(f?.severity, 'warning');
  assert.ok(!has(d, 'cert_revoked'));
});

test('a stapled "good" on a certificate the CRL lists: cert_revoked and ocsp_staple_invalid (disagrees)', async () => {
  const { cert, crlPath } = await leaf({ crl: true, ocsp: true });
  rev.routes.set(crlPath, {
    body: await makeCrl({ issuer: inter, revoked: [{ cert, reason: 'keyCompromise' }] }, now),
  });
  const d = await diagnose(cert, makeOcspResponse({ cert, issuer: inter, status: 'good' }, now));
  assert.equal(has(d, 'cert_revoked')?.params.source, 'crl', codes(d).join(' '));
  assert.equal(has(d, 'ocsp_staple_invalid')?.params.problem, 'disagrees');
});

test('must-staple without a staple: ocsp_must_staple_missing (critical)', async () => {
  const { cert, ocspPath } = await leaf({ ocsp: true, mustStaple: true });
  rev.routes.set(ocspPath, { body: makeOcspResponse({ cert, issuer: inter, status: 'good' }, now) });
  const d = await diagnose(cert);
  const f = has(d, 'ocsp_must_staple_missing');
  assert.equal(f?.severity, 'critical', codes(d).join(' '));
  assert.equal(d.verdict, 'critical');
});

test('must-staple with a good staple: no must-staple finding', async () => {
  const { cert } = await leaf({ ocsp: true, mustStaple: true });
  const d = await diagnose(cert, makeOcspResponse({ cert, issuer: inter, status: 'good' }, now));
  assert.ok(!has(d, 'ocsp_must_staple_missing'), codes(d).join(' '));
  assert.equal(d.verdict, 'ok');
});

test('must-staple with a stale staple: ocsp_staple_invalid is critical', async () => {
  const { cert } = await leaf({ ocsp: true, mustStaple: true });
  const staple = makeOcspResponse(
    {
      cert,
      issuer: inter,
      status: 'good',
      thisUpdate: new Date(now.getTime() - 9 * DAY),
      nextUpdate: new Date(now.getTime() - 2 * DAY),
    },
    now,
  );
  const d = await diagnose(cert, staple);
  assert.equal(has(d, 'ocsp_staple_invalid')?.severity, 'critical', codes(d).join(' '));
});

test('a hanging responder: the check ends within its deadline, revocation_unchecked is info, the verdict stays ok', async () => {
  const { cert, ocspPath, crlPath } = await leaf({ ocsp: true, crl: true });
  rev.routes.set(ocspPath, { hang: true });
  rev.routes.set(crlPath, { hang: true });
  const t0 = Date.now();
  const d = await diagnose(cert, undefined, 2_000);
  assert.ok(Date.now() - t0 < 2_000 + 1_500, `took ${Date.now() - t0} ms`);
  const f = has(d, 'revocation_unchecked');
  assert.equal(f?.severity, 'info', codes(d).join(' '));
  assert.equal(d.verdict, 'ok');
});

test('no CRL or OCSP pointer: revocation_unchecked (info) says so', async () => {
  const { cert } = await leaf();
  const d = await diagnose(cert);
  assert.equal(has(d, 'revocation_unchecked')?.params.noPointers, true, codes(d).join(' '));
  assert.equal(d.verdict, 'ok');
});
