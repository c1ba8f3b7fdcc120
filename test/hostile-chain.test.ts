/**
 * Issue 7 item 2: bounded work per chain. A TLS 1.2 server sends a leaf and 75 same-name CA certificates
 * whose RSA keys have ~3070-bit public exponents: the keys are refused before any verification (a
 * `key_refused` finding naming the certificate), and the signature checks stay under the cap. Same-name
 * CAs with ordinary keys hit the candidate and signature caps instead (`chain_too_complex`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { check } from '../src/check.js';
import { parseCert } from '../src/probe/certinfo.js';
import { buildChain } from '../src/probe/chain.js';
import { DEFAULT_LIMITS } from '../src/probe/chain-build.js';
import { loadTrustStore } from '../src/probe/trust.js';
import type { ChainReport } from '../src/probe/types.js';
import { type HostileChain, hostileChain } from './support/hostile-chain.js';
import { type Running, startTlsServer } from './support/servers.js';

const NOW = new Date();
let chain: HostileChain;
let server: Running;

before(async () => {
  chain = await hostileChain();
  server = await startTlsServer({ certPem: chain.servedPem, keyPem: chain.chain.leaf.keyPem, maxVersion: 'TLSv1.2' });
});
after(() => server?.close());

test('a check against the 75-certificate hostile chain ends in bounded time with key_refused', async () => {
  const timeoutMs = 3000;
  const started = performance.now();
  const d = await check(`127.0.0.1:${server.port}`, { now: () => NOW, allow: ['127.0.0.0/8'], timeoutMs });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < timeoutMs + 1500, `took ${Math.round(elapsed)} ms`);
  const f = d.findings.find((x) => x.code === 'key_refused');
  assert.ok(f, `no key_refused in ${d.findings.map((x) => x.code).join(', ')}`);
  assert.match(String(f.params.subject), /^CN=Hostile Issuing CA\b/);
  assert.equal(f.params.sentIndex, 1);
  // only the first maxCertificates sent certificates are looked at (the leaf and 31 CAs); the cap is a finding too
  assert.equal(f.params.count, DEFAULT_LIMITS.maxCertificates - 1);
  assert.ok(d.findings.some((x) => x.code === 'chain_too_complex'));
  const ep = d.report.endpoints[0]!;
  assert.equal(ep.chain.status, 'completed');
  const report = (ep.chain as { result: ChainReport }).result;
  assert.ok(
    report.search!.signatureChecks <= DEFAULT_LIMITS.maxSignatureChecks,
    `${report.search!.signatureChecks} signature checks`,
  );
  assert.equal(report.search!.signatureChecks, 0, 'no signature is verified with a refused key');
  assert.equal(d.verification?.valid, false);
  assert.ok(d.verification?.codes.includes('key_refused'));
});

test('75 same-name CAs with ordinary keys: candidates and signature checks stay under their caps', async () => {
  const plain = await hostileChain({ exponentBits: 17 });
  const sent = plain.ders.map((d) => parseCert(new Uint8Array(d)));
  const trust = loadTrustStore({ builtin: false });
  const started = performance.now();
  const r = await buildChain(sent, { trust, now: NOW });
  const elapsed = performance.now() - started;
  assert.ok(r.search!.signatureChecks <= DEFAULT_LIMITS.maxSignatureChecks, `${r.search!.signatureChecks} checks`);
  assert.match(r.search!.exhausted ?? '', /^(certificates|candidates|signature checks):/);
  assert.ok(elapsed < 2000, `took ${Math.round(elapsed)} ms`);
  assert.equal(r.trusted, false);
});
