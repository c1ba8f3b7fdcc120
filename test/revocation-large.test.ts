/**
 * Large CRLs (issue 10): real CAs publish multi-MiB CRLs. A 100,000-entry CRL (~3.9 MB) is generated once per
 * run, served on loopback and read by the DER scanner: the signature over the raw TBS bytes first, then the
 * serial found near the end. Malformed and tampered big CRLs are findings, never a crash or a stall.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { guardedFetch } from '../src/probe/fetch.js';
import { CRL_MAX_BYTES, type CrlCache, checkRevocation } from '../src/probe/revocation/check.js';
import { parseCrl } from '../src/probe/revocation/crl.js';
import { findSerial } from '../src/probe/revocation/crl-scan.js';
import { serialHex } from '../src/probe/revocation/signed.js';
import type { CertRevocation } from '../src/probe/types.js';
import * as x509 from '../src/probe/x509.js';
import { type Chain, type Issued, makeCert, makeChain } from './support/pki.js';
import { makeLargeCrl, type RevocationServer, startRevocationServer } from './support/revocation.js';

const DAY = 86_400_000;
const ENTRIES = 100_000;
const now = new Date();
const policy = createAddressPolicy(['127.0.0.0/8']);
let server: RevocationServer;
let pki: Chain;
let inter: Issued;
let revokedLeaf: Issued;
let goodLeaf: Issued;
/** the 100,000-entry CRL listing revokedLeaf last: generated once for the whole file */
let big: Buffer;
let n = 0;

async function leaf(crlPath: string): Promise<Issued> {
  return makeCert(
    {
      subject: `CN=big-crl-leaf-${++n}`,
      dnsNames: ['localhost'],
      notBefore: new Date(now.getTime() - 10 * DAY),
      notAfter: new Date(now.getTime() + 60 * DAY),
      crlUrl: `${server.url}${crlPath}`,
    },
    inter,
  );
}

before(async () => {
  server = await startRevocationServer();
  pki = await makeChain({}, now);
  inter = pki.intermediates[0]!;
  revokedLeaf = await leaf('/big.crl');
  goodLeaf = await leaf('/big.crl');
  big = makeLargeCrl({ issuer: inter, count: ENTRIES, last: [{ cert: revokedLeaf, reason: 'keyCompromise' }] }, now);
  server.routes.set('/big.crl', { body: big });
});
after(() => server.close());

function run(cert: Issued, cache: CrlCache = new Map()) {
  return checkRevocation(
    { built: [cert.info, inter.info, pki.root.info], sources: ['sent', 'sent', 'trust_store'], staple: null },
    { now, cache, fetch: (req, maxBytes) => guardedFetch(req, { policy, maxBytes, timeoutMs: 10_000 }) },
  );
}

const leafOf = async (cert: Issued): Promise<CertRevocation> => (await run(cert)).certs[0]!;

describe('the test CRL builder makes real CRLs', () => {
  test('the @peculiar schema reads what makeLargeCrl writes, its signature verifies, and the scanner agrees', async () => {
    const der = makeLargeCrl({ issuer: inter, count: 40, last: [{ cert: revokedLeaf, reason: 'cACompromise' }] }, now);
    const schema = AsnConvert.parse(der, CertificateList);
    const entries = schema.tbsCertList.revokedCertificates ?? [];
    assert.equal(entries.length, 41);
    assert.equal(await new x509.X509Crl(der).verify({ publicKey: inter.cert.publicKey }), true);
    const skel = parseCrl(der);
    for (const e of entries) {
      const hit = findSerial(der, skel.revoked, serialHex(e.userCertificate));
      assert.equal(hit?.at, e.revocationDate.getTime().toISOString());
    }
    assert.equal(findSerial(der, skel.revoked, revokedLeaf.info.serialNumber)?.reason, 'cACompromise');
    assert.equal(findSerial(der, skel.revoked, goodLeaf.info.serialNumber), null);
  });
});

describe(`a ${ENTRIES.toLocaleString('en')}-entry CRL`, () => {
  test('is over the old 512 KiB cap and under the new one', () => {
    assert.ok(big.length > 512 * 1024 * 4, `${big.length} bytes`);
    assert.ok(big.length < CRL_MAX_BYTES);
  });

  test('finds the revoked serial listed last: revoked, keyCompromise, from the CRL', async () => {
    const c = await leafOf(revokedLeaf);
    assert.equal(c.status, 'revoked', JSON.stringify(c.sources));
    assert.equal(c.sources[0]!.kind, 'crl');
    assert.equal(c.sources[0]!.reason, 'keyCompromise');
  });

  test('says good for a serial it does not list, and the second check reads the cache', async () => {
    const cache: CrlCache = new Map();
    const before = server.requests.length;
    const first = (await run(goodLeaf, cache)).certs[0]!;
    assert.equal(first.status, 'good', JSON.stringify(first.sources));
    const again = (await run(revokedLeaf, cache)).certs[0]!;
    assert.equal(again.status, 'revoked');
    assert.equal(again.sources[0]!.cached, true);
    assert.equal(server.requests.length - before, 1);
  });

  test('one flipped bit deep in the entries fails the signature (checked over the raw bytes before any entry)', async () => {
    const tampered = Buffer.from(big);
    tampered[Math.floor(tampered.length * 0.9)]! ^= 0x01;
    server.routes.set('/tampered.crl', { body: tampered });
    const cert = await leaf('/tampered.crl');
    const c = await leafOf(cert);
    assert.equal(c.status, 'unchecked');
    assert.equal(c.sources[0]!.problem, 'bad_signature', JSON.stringify(c.sources[0]));
  });

  test('cut short mid-list: malformed, a finding', async () => {
    server.routes.set('/cut.crl', { body: big.subarray(0, Math.floor(big.length / 2)) });
    const c = await leafOf(await leaf('/cut.crl'));
    assert.equal(c.status, 'unchecked');
    assert.equal(c.sources[0]!.problem, 'malformed');
  });

  test('a correctly signed CRL with a broken entry is malformed, not a crash', async () => {
    const brokenEntry = Buffer.from([0x30, 0x05, 0x01, 0x01, 0xff, 0x05, 0x00]); // BOOLEAN where the serial goes
    const der = makeLargeCrl({ issuer: inter, count: 1_000, raw: [brokenEntry] }, now);
    server.routes.set('/broken-entry.crl', { body: der });
    const c = await leafOf(await leaf('/broken-entry.crl'));
    assert.equal(c.sources[0]!.problem, 'malformed', JSON.stringify(c.sources[0]));
    assert.match(c.sources[0]!.error ?? '', /entry 1000/);
  });

  test('an entry whose length runs past the list is malformed', async () => {
    const hostile = Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01]);
    const der = makeLargeCrl({ issuer: inter, count: 10, raw: [hostile] }, now);
    server.routes.set('/hostile.crl', { body: der });
    const c = await leafOf(await leaf('/hostile.crl'));
    assert.equal(c.sources[0]!.problem, 'malformed');
  });

  test('more than CRL_MAX_BYTES is refused as too_large without reading it all', async () => {
    server.routes.set('/huge.crl', { streamBytes: CRL_MAX_BYTES + 4 * 1024 * 1024 });
    const c = await leafOf(await leaf('/huge.crl'));
    assert.equal(c.sources[0]!.outcome, 'error');
    assert.match(c.sources[0]!.error ?? '', /^too_large:/);
  });
});
