import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { describeCert, isMalformed, parseCert, toNodeCert } from '../src/probe/certinfo.js';
import { extraCerts, rootBundle, specArb } from './support/cert-corpus.js';
import { parseCertPeculiar } from './support/certinfo-peculiar.js';
import { makeCert } from './support/pki.js';

/** The old @peculiar/x509 path as stored data (its extKeyUsage is an Array subclass; reports are JSON). */
function oracle(der: Uint8Array): unknown {
  const old = parseCertPeculiar(der);
  assert.equal(isMalformed(old), false, `the peculiar path rejected a corpus certificate: ${JSON.stringify(old)}`);
  return JSON.parse(JSON.stringify(old));
}

test('every Mozilla root parses to what the peculiar path produced', () => {
  const roots = rootBundle();
  assert.ok(roots.length > 100);
  for (const der of roots) assert.deepEqual(describeCert(der), oracle(der));
});

test('policies, name constraints, every GeneralName type, odd Name encodings and far-off dates agree', async () => {
  for (const der of await extraCerts()) assert.deepEqual(describeCert(der), oracle(der));
});

test('fast-check-chosen test-PKI certificates agree, self-signed and issued', async () => {
  const ca = await makeCert({ subject: 'CN=Diff CA', ca: true, keyUsage: ['keyCertSign'] });
  await fc.assert(
    fc.asyncProperty(specArb, fc.boolean(), async (spec, issued) => {
      const { der } = await makeCert(spec, issued ? ca : undefined);
      assert.deepEqual(describeCert(der), oracle(der));
    }),
    { numRuns: 60 },
  );
});

test('parseCert memoises, and toNodeCert reuses the parsed certificate', async () => {
  const { der } = await makeCert({ subject: 'CN=memo' });
  const info = parseCert(der);
  assert.equal(parseCert(Uint8Array.from(der)), info);
  assert.ok(!isMalformed(info));
  assert.equal(toNodeCert(info), toNodeCert(info));
  assert.equal(toNodeCert(JSON.parse(JSON.stringify(info))).fingerprint256, toNodeCert(info).fingerprint256);
});

test('bytes after the certificate are tolerated, as before', async () => {
  const { der } = await makeCert({ subject: 'CN=trailing' });
  const padded = Uint8Array.from([...der, 0x0a, 0x00]);
  assert.deepEqual(describeCert(padded), oracle(padded));
});
