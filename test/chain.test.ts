import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { createAiaFetcher } from '../src/probe/aia.js';
import { parseCert } from '../src/probe/certinfo.js';
import { buildChain } from '../src/probe/chain.js';
import { loadTrustStore, type TrustStore } from '../src/probe/trust.js';
import type { ChainReport, SentCert } from '../src/probe/types.js';
import * as x509 from '../src/probe/x509.js';
import { type Chain, type ChainSpec, type Issued, makeCert, makeChain } from './support/pki.js';
import { type Route, type Running, startHttpServer } from './support/servers.js';

const NOW = new Date();
const noSystem = { systemBundlePath: null };
const trustRoot = (c: Chain): TrustStore => loadTrustStore({ extraCaPem: [c.root.pem], ...noSystem });
const sentOf = (...certs: Issued[]): SentCert[] => certs.map((c) => c.info);
const allSigsValid = (r: ChainReport) => r.links.every((l) => l.signatureValid === true);

let aiaServer: Running & { requests: string[] };
const routes: Record<string, Route> = {};
before(async () => {
  aiaServer = await startHttpServer(routes);
});
after(() => aiaServer.close());

const loopbackOnly = createAddressPolicy(['127.0.0.0/8']);
const defaultPolicy = createAddressPolicy([]);

test('healthy chain to a custom anchor: trusted, every link valid', async () => {
  const c = await makeChain();
  const r = await buildChain(sentOf(c.leaf, c.intermediates[0]!), { trust: trustRoot(c), now: NOW });
  assert.equal(r.trusted, true);
  assert.equal(r.anchorStore, 'custom');
  assert.deepEqual(r.sources, ['sent', 'sent', 'trust_store']);
  assert.deepEqual(
    r.links,
    Array(2).fill({ signatureValid: true, issuerIsCa: true, issuerCanSign: true, pathLenOk: true }),
  );
  assert.deepEqual(
    [r.unusedSent, r.outOfOrder, r.rootSentAt, r.missingIssuer, r.untrustedRoot],
    [[], false, null, null, false],
  );
  assert.deepEqual(r.aia, { needed: false, fetches: [], completedChain: false });
  assert.equal(r.rejectionHint, null);
});

async function aiaChain(path: string, body: (c: Chain) => Route): Promise<Chain> {
  const c = await makeChain({ leaf: { aiaIssuerUrl: `${aiaServer.url}${path}` } });
  routes[path] = body(c);
  return c;
}

test('missing intermediate completed through AIA on loopback', async () => {
  const c = await aiaChain('/ok.cer', (c) => ({ body: Buffer.from(c.intermediates[0]!.der) }));
  const fetchAia = createAiaFetcher({ policy: loopbackOnly, timeoutMs: 2000 });
  const r = await buildChain(sentOf(c.leaf), { trust: trustRoot(c), fetchAia, now: NOW });
  assert.equal(r.trusted, true);
  assert.deepEqual(r.sources, ['sent', 'aia', 'trust_store']);
  assert.equal(r.aia.needed, true);
  assert.equal(r.aia.completedChain, true);
  assert.deepEqual(
    r.aia.fetches.map((f) => [f.status, f.certs]),
    [['ok', [c.intermediates[0]!.info.sha256]]],
  );
  assert.equal(r.missingIssuer, null);
  assert.ok(allSigsValid(r));
});

test('AIA refused by the address policy: blocked, issuer missing', async () => {
  const c = await aiaChain('/blocked.cer', (c) => ({ body: Buffer.from(c.intermediates[0]!.der) }));
  const fetchAia = createAiaFetcher({ policy: defaultPolicy, timeoutMs: 2000 });
  const r = await buildChain(sentOf(c.leaf), { trust: trustRoot(c), fetchAia, now: NOW });
  assert.equal(r.trusted, false);
  assert.deepEqual(
    r.aia.fetches.map((f) => f.status),
    ['blocked'],
  );
  assert.equal(r.missingIssuer, c.leaf.info.issuer);
  assert.equal(r.aia.needed, true);
  assert.equal(r.aia.completedChain, false);
  assert.notEqual(r.rejectionHint, null);
});

for (const [path, route, status] of [
  ['/garbage.cer', { body: 'not a cert' }, 'error'],
  ['/hang.cer', { hang: true }, 'error'],
] as const) {
  test(`AIA ${path} leaves the issuer missing (${status})`, async () => {
    const c = await aiaChain(path, () => route);
    const fetchAia = createAiaFetcher({ policy: loopbackOnly, timeoutMs: 150 });
    const r = await buildChain(sentOf(c.leaf), { trust: trustRoot(c), fetchAia, now: NOW });
    assert.deepEqual(
      r.aia.fetches.map((f) => f.status),
      [status],
    );
    assert.equal(r.missingIssuer, c.leaf.info.issuer);
    assert.deepEqual(r.built.length, 1);
  });
}

test('AIA returning the wrong certificate leaves the issuer missing', async () => {
  const other = await makeChain();
  const c = await aiaChain('/wrong.cer', () => ({ body: Buffer.from(other.intermediates[0]!.der) }));
  const fetchAia = createAiaFetcher({ policy: loopbackOnly, timeoutMs: 2000 });
  const r = await buildChain(sentOf(c.leaf), { trust: trustRoot(c), fetchAia, now: NOW });
  assert.deepEqual(
    r.aia.fetches.map((f) => f.status),
    ['ok'],
  );
  assert.equal(r.missingIssuer, c.leaf.info.issuer);
});

test('without a fetcher AIA is reported as needed and nothing is fetched', async () => {
  const c = await makeChain();
  const r = await buildChain(sentOf(c.leaf), { trust: trustRoot(c), now: NOW });
  assert.equal(r.aia.needed, true);
  assert.equal(r.missingIssuer, c.leaf.info.issuer);
  assert.deepEqual(r.built, [c.leaf.info]);
});

const two: ChainSpec = { intermediates: [{}, {}] };

/** Table: sent order → expected unusedSent / outOfOrder / rootSentAt, all with the root trusted. */
const layouts: { name: string; spec?: ChainSpec; sent: (c: Chain) => Issued[]; want: Partial<ChainReport> }[] = [
  {
    name: 'misordered intermediates',
    spec: two,
    sent: (c) => [c.leaf, c.intermediates[1]!, c.intermediates[0]!],
    want: { outOfOrder: true, unusedSent: [], trusted: true },
  },
  {
    name: 'leaf not first',
    sent: (c) => [c.intermediates[0]!, c.leaf],
    want: { outOfOrder: true, unusedSent: [1], trusted: true },
  },
  {
    name: 'root sent',
    sent: (c) => [c.leaf, c.intermediates[0]!, c.root],
    want: { outOfOrder: false, unusedSent: [], rootSentAt: 2, trusted: true },
  },
];
for (const { name, spec, sent, want } of layouts) {
  test(`sent layout: ${name}`, async () => {
    const c = await makeChain(spec);
    const r = await buildChain(sentOf(...sent(c)), { trust: trustRoot(c), now: NOW });
    for (const [k, v] of Object.entries(want)) assert.deepEqual(r[k as keyof ChainReport], v, k);
    assert.ok(allSigsValid(r));
  });
}

test('an unrelated extra certificate is unused', async () => {
  const c = await makeChain();
  const stranger = await makeChain();
  const r = await buildChain(sentOf(c.leaf, c.intermediates[0]!, stranger.intermediates[0]!), {
    trust: trustRoot(c),
    now: NOW,
  });
  assert.deepEqual(r.unusedSent, [2]);
  assert.equal(r.outOfOrder, false);
  assert.equal(r.trusted, true);
});

test('self-signed leaf: untrusted root, no links', async () => {
  const leaf = await makeCert({ subject: 'CN=localhost', dnsNames: ['localhost'] });
  const r = await buildChain(sentOf(leaf), { trust: loadTrustStore(noSystem), now: NOW });
  assert.deepEqual([r.untrustedRoot, r.trusted, r.built.length, r.links.length], [true, false, 1, 0]);
  assert.equal(r.missingIssuer, null);
  assert.equal(r.rootSentAt, null);
});

test('private root sent but not trusted: untrusted root at the end of the path', async () => {
  const c = await makeChain();
  const r = await buildChain(sentOf(c.leaf, c.intermediates[0]!, c.root), {
    trust: loadTrustStore(noSystem),
    now: NOW,
  });
  assert.deepEqual([r.untrustedRoot, r.trusted, r.rootSentAt, r.built.length], [true, false, 2, 3]);
  assert.ok(allSigsValid(r));
  assert.notEqual(r.rejectionHint, null);
});

test('a leaf in the trust store is not its own anchor: the path still needs a trusted issuer (issue 9 item 3)', async () => {
  const c = await makeChain();
  const trust = loadTrustStore({ extraCaPem: [c.leaf.pem], ...noSystem });
  const r = await buildChain(sentOf(c.leaf, c.intermediates[0]!), { trust, now: NOW });
  assert.deepEqual([r.trusted, r.built.length, r.missingIssuer], [false, 2, c.intermediates[0]!.info.issuer]);
});

/** Table: a defect in one certificate → which link shows it. */
const linkDefects: { name: string; spec: ChainSpec; link: number; field: keyof ChainReport['links'][number] }[] = [
  { name: 'intermediate not a CA', spec: { intermediates: [{ ca: false }] }, link: 0, field: 'issuerIsCa' },
  {
    name: 'intermediate without basicConstraints',
    spec: { intermediates: [{ omitBasicConstraints: true }] },
    link: 0,
    field: 'issuerIsCa',
  },
  {
    name: 'intermediate keyUsage lacks keyCertSign',
    spec: { intermediates: [{ keyUsage: ['digitalSignature'] }] },
    link: 0,
    field: 'issuerCanSign',
  },
  { name: 'pathLen 0 above another CA', spec: { intermediates: [{ pathLength: 0 }, {}] }, link: 1, field: 'pathLenOk' },
  { name: 'tampered leaf signature', spec: { leaf: { badSignature: true } }, link: 0, field: 'signatureValid' },
  {
    name: 'tampered intermediate signature',
    spec: { intermediates: [{ badSignature: true }] },
    link: 1,
    field: 'signatureValid',
  },
];
for (const { name, spec, link, field } of linkDefects) {
  test(`link defect: ${name} → links[${link}].${field} false`, async () => {
    const c = await makeChain(spec);
    const r = await buildChain(sentOf(c.leaf, ...c.intermediates), { trust: trustRoot(c), now: NOW });
    assert.equal(r.built.length, c.intermediates.length + 2);
    r.links.forEach((l, i) => {
      assert.equal(l[field], i !== link, `links[${i}].${field}`);
    });
    if (field === 'signatureValid') assert.notEqual(r.rejectionHint, null);
  });
}

test('pathLen 1 with one CA below is fine', async () => {
  const c = await makeChain({ intermediates: [{ pathLength: 1 }, {}] });
  const r = await buildChain(sentOf(c.leaf, ...c.intermediates), { trust: trustRoot(c), now: NOW });
  assert.ok(r.links.every((l) => l.pathLenOk === true));
});

test('a sent cross-sign of a trusted root is not used: the path stops at the anchor', async () => {
  const c = await makeChain();
  const oldRoot = await makeCert({ subject: 'CN=Old Root', ca: true, keyUsage: ['keyCertSign'] });
  const cross = await x509.X509CertificateGenerator.create({
    serialNumber: '0102',
    subject: c.root.cert.subject,
    issuer: oldRoot.cert.subject,
    notBefore: new Date(NOW.getTime() - 86_400_000),
    notAfter: new Date(NOW.getTime() + 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: c.root.keys.publicKey,
    signingKey: oldRoot.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(c.root.keys.publicKey),
    ],
  });
  const crossInfo = parseCert(new Uint8Array(cross.rawData));
  const r = await buildChain([c.leaf.info, c.intermediates[0]!.info, crossInfo], { trust: trustRoot(c), now: NOW });
  assert.deepEqual(r.sources, ['sent', 'sent', 'trust_store']);
  assert.deepEqual(r.unusedSent, [2]);
  assert.equal(r.trusted, true);
  const untrustedOld = await buildChain([c.leaf.info, c.intermediates[0]!.info, crossInfo], {
    trust: loadTrustStore({ extraCaPem: [oldRoot.pem], ...noSystem }),
    now: NOW,
  });
  assert.deepEqual(untrustedOld.sources, ['sent', 'sent', 'sent', 'trust_store']);
  assert.equal(untrustedOld.trusted, true);
});

test('malformed first certificate: a report with nothing built and a hint', async () => {
  const bad = parseCert(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]));
  const c = await makeChain();
  const r = await buildChain([bad, c.intermediates[0]!.info], { trust: trustRoot(c), now: NOW });
  assert.deepEqual([r.built, r.trusted, r.unusedSent], [[], false, [1]]);
  assert.match(r.rejectionHint ?? '', /parsed/);
});

test('an empty sent chain is reported, not thrown', async () => {
  const r = await buildChain([], { trust: loadTrustStore(noSystem), now: NOW });
  assert.deepEqual(r.built, []);
  assert.notEqual(r.rejectionHint, null);
});

test('a malformed intermediate is skipped and counted unused', async () => {
  const c = await makeChain();
  const bad = parseCert(new Uint8Array([0x30, 0x00]));
  const r = await buildChain([c.leaf.info, bad, c.intermediates[0]!.info], { trust: trustRoot(c), now: NOW });
  assert.equal(r.trusted, true);
  assert.deepEqual(r.unusedSent, [1]);
  assert.equal(r.outOfOrder, true);
});

test('the depth cap stops a long path', async () => {
  const c = await makeChain({ intermediates: [{}, {}, {}, {}] });
  const r = await buildChain(sentOf(c.leaf, ...c.intermediates), { trust: trustRoot(c), now: NOW, maxDepth: 3 });
  assert.equal(r.built.length, 3);
  assert.equal(r.trusted, false);
  assert.notEqual(r.rejectionHint, null);
});

test('a throwing fetcher is recorded as a failed fetch, not thrown', async () => {
  const c = await makeChain({ leaf: { aiaIssuerUrl: 'http://127.0.0.1:9/x.cer' } });
  const fetchAia = async () => {
    throw new Error('boom');
  };
  const r = await buildChain(sentOf(c.leaf), { trust: trustRoot(c), fetchAia, now: NOW });
  assert.match(r.aia.fetches[0]?.error ?? '', /^bug:/);
  assert.equal(r.missingIssuer, c.leaf.info.issuer);
});

test('an internal failure becomes a bug hint, not an exception', async () => {
  const c = await makeChain();
  const trust: TrustStore = {
    findIssuers: () => {
      throw new Error('boom');
    },
    lookup: () => null,
    size: 0,
  };
  const r = await buildChain(sentOf(c.leaf, c.intermediates[0]!), { trust, now: NOW });
  assert.match(r.rejectionHint ?? '', /^bug:/);
});

test('the AIA fetch budget is respected', async () => {
  const urls = ['/a1', '/a2', '/a3', '/a4'].map((p) => `${aiaServer.url}${p}`);
  const calls: string[] = [];
  const c = await makeChain({ leaf: { aiaIssuerUrl: urls[0] } });
  const leafInfo = { ...c.leaf.info, aia: { caIssuers: urls, ocsp: [] } };
  const fetchAia = async (url: string) => {
    calls.push(url);
    return { url, status: 'error' as const, error: 'fetch_failed: test', certs: [], ders: [] };
  };
  const r = await buildChain([leafInfo], { trust: trustRoot(c), fetchAia, now: NOW, maxAiaFetches: 2 });
  assert.equal(calls.length, 2);
  assert.equal(r.aia.fetches.length, 2);
});

test('key rollover: a self-signed new root that is not trusted is backtracked over to its cross-signed twin (issue 9 item 1)', async () => {
  const oldRoot = await makeCert({ subject: 'CN=Old Root', ca: true });
  const newRoot = await makeCert({ subject: 'CN=New Root', ca: true });
  const cross = await makeCert({ subject: 'CN=New Root', ca: true, reuseKeys: newRoot.keys }, oldRoot);
  const issuing = await makeCert({ subject: 'CN=Issuing CA', ca: true }, newRoot);
  const leaf = await makeCert({ subject: 'CN=roll.test', dnsNames: ['roll.test'] }, issuing);
  const trust = loadTrustStore({ extraCaPem: [oldRoot.pem], ...noSystem });
  const r = await buildChain(sentOf(leaf, issuing, newRoot, cross), { trust, now: NOW });
  assert.equal(r.trusted, true);
  assert.deepEqual(
    r.built.map((c) => c.sha256),
    [leaf.info.sha256, issuing.info.sha256, cross.info.sha256, oldRoot.info.sha256],
  );
  assert.ok(r.search!.pathsTried >= 2, 'the untrusted path through the self-signed root was tried first');
  assert.deepEqual(r.problems, []);
});
