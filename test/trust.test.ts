import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { isMalformed, parseCert } from '../src/probe/certinfo.js';
import { loadTrustStore, pemToDer, prepareBuiltinAnchors } from '../src/probe/trust.js';
import { makeChain, pemOf } from './support/pki.js';

test('the Mozilla roots load, and a second load reuses the parsed set', () => {
  const store = loadTrustStore({ systemBundlePath: null });
  assert.ok(store.size > 100, `size ${store.size}`);
  assert.equal(store.size, new Set(rootCertificates).size);
  const again = loadTrustStore({ systemBundlePath: null });
  assert.equal(again.size, store.size);
});

test('a missing system bundle path is ignored, not fatal', () => {
  const store = loadTrustStore({ systemBundlePath: '/nonexistent/bundle.pem' });
  assert.equal(store.size, loadTrustStore({ systemBundlePath: null }).size);
});

test('extra anchors are found as issuers and looked up as custom', async () => {
  const chain = await makeChain();
  const store = loadTrustStore({ extraCaPem: [chain.root.pem], systemBundlePath: null });
  const inter = chain.intermediates[0]!.info;
  const found = store.findIssuers(inter);
  assert.deepEqual(
    found.map((a) => [a.cert.sha256, a.store]),
    [[chain.root.info.sha256, 'custom']],
  );
  assert.equal(store.lookup(chain.root.info.sha256), 'custom');
  assert.equal(store.lookup(inter.sha256), null);
  assert.deepEqual(store.findIssuers(chain.leaf.info), []);
});

test('a root already in the Mozilla set keeps the mozilla label when added again', () => {
  const first = rootCertificates[0]!;
  const store = loadTrustStore({ extraCaPem: [first], systemBundlePath: null });
  const sha = createHash('sha256').update(pemToDer(first)[0]!).digest('hex');
  assert.equal(store.lookup(sha), 'mozilla');
  assert.equal(store.size, new Set(rootCertificates).size);
});

test('an extra bundle with two certificates adds both', async () => {
  const a = await makeChain();
  const store = loadTrustStore({ extraCaPem: [pemOf(a.root, a.intermediates[0]!)], systemBundlePath: null });
  assert.equal(store.lookup(a.intermediates[0]!.info.sha256), 'custom');
  assert.equal(store.lookup(a.root.info.sha256), 'custom');
});

for (const [name, pem] of [
  ['empty', ''],
  ['no certificate block', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'],
  ['bad base64', '-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n'],
  ['not a certificate', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
] as const) {
  test(`a bad extra bundle (${name}) is a bad_input error naming the bundle`, () => {
    assert.throws(
      () => loadTrustStore({ extraCaPem: [pem], systemBundlePath: null }),
      (err: { code?: string; message?: string }) => err.code === 'bad_input' && /CA bundle #1/.test(err.message ?? ''),
    );
  });
}

test('pemToDer returns every certificate block and skips others', async () => {
  const chain = await makeChain();
  const text = `junk\n${chain.fullchainPem}-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`;
  const ders = pemToDer(text);
  assert.equal(ders.length, 2);
  assert.deepEqual(Buffer.from(ders[0]!), Buffer.from(chain.leaf.der));
});

test('a Mozilla root is found as the issuer of itself (raw name index on real roots)', () => {
  const store = loadTrustStore({ systemBundlePath: null });
  for (const pem of rootCertificates.slice(0, 20)) {
    const info = parseCert(pemToDer(pem)[0]!);
    if (isMalformed(info)) continue;
    const found = store.findIssuers(info).map((a) => a.cert.sha256);
    assert.ok(found.includes(info.sha256), info.subject);
  }
});

test('a system bundle path adds its anchors as system', async () => {
  const c = await makeChain();
  const dir = mkdtempSync(join(tmpdir(), 'trust-'));
  const path = join(dir, 'bundle.pem');
  writeFileSync(path, c.root.pem);
  try {
    const store = loadTrustStore({ systemBundlePath: path });
    assert.equal(store.lookup(c.root.info.sha256), 'system');
    assert.deepEqual(
      store.findIssuers(c.intermediates[0]!.info).map((a) => a.store),
      ['system'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('anchors indexed in slices between event-loop turns give the store an eager index gives', async () => {
  const c = await makeChain();
  const dir = mkdtempSync(join(tmpdir(), 'trust-'));
  // two paths with the same bundle: each is indexed once per process, one in slices, one at first use
  const sliced = join(dir, 'sliced.pem');
  const eager = join(dir, 'eager.pem');
  for (const path of [sliced, eager]) writeFileSync(path, c.root.pem);
  try {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    await prepareBuiltinAnchors(sliced);
    clearInterval(ticker);
    // ~150 Mozilla roots at 16 a turn: the loop ran between slices, not after one long block
    assert.ok(turns >= 3, `event loop turned ${turns} times while indexing`);
    const a = loadTrustStore({ systemBundlePath: sliced });
    const b = loadTrustStore({ systemBundlePath: eager });
    assert.equal(a.size, b.size);
    assert.equal(a.lookup(c.root.info.sha256), 'system');
    const mozilla = parseCert(pemToDer(rootCertificates[0]!)[0]!);
    assert.ok(!isMalformed(mozilla));
    assert.equal(a.lookup(mozilla.sha256), 'mozilla');
    assert.deepEqual(
      a.findIssuers(c.intermediates[0]!.info).map((x) => [x.cert.sha256, x.store]),
      b.findIssuers(c.intermediates[0]!.info).map((x) => [x.cert.sha256, x.store]),
    );
    assert.deepEqual(
      a.findIssuers(mozilla).map((x) => x.cert.sha256),
      b.findIssuers(mozilla).map((x) => x.cert.sha256),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an OS bundle that repeats the Mozilla roots: they stay mozilla, found once, sliced or eager', async () => {
  const c = await makeChain();
  const dir = mkdtempSync(join(tmpdir(), 'trust-'));
  // like Debian's ca-certificates.crt: the bundled roots again, plus one of the OS's own
  const bundle = `${rootCertificates.join('\n')}\n${c.root.pem}`;
  const sliced = join(dir, 'os-sliced.pem');
  const eager = join(dir, 'os-eager.pem');
  for (const path of [sliced, eager]) writeFileSync(path, bundle);
  try {
    await prepareBuiltinAnchors(sliced);
    const mozillaOnly = loadTrustStore({ systemBundlePath: null });
    for (const store of [loadTrustStore({ systemBundlePath: sliced }), loadTrustStore({ systemBundlePath: eager })]) {
      assert.equal(store.size, mozillaOnly.size + 1);
      assert.equal(store.lookup(c.root.info.sha256), 'system');
      for (const pem of [rootCertificates[0]!, rootCertificates.at(-1)!]) {
        const root = parseCert(pemToDer(pem)[0]!);
        assert.ok(!isMalformed(root));
        assert.equal(store.lookup(root.sha256), 'mozilla');
        // a self-issued root is its own issuer candidate: listed once, from the mozilla store
        const found = store.findIssuers(root).filter((a) => a.cert.sha256 === root.sha256);
        assert.deepEqual(
          found.map((a) => a.store),
          ['mozilla'],
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
