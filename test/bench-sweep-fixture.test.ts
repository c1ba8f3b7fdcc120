/**
 * The sweep bench's fixture (issue 8 deliverable 11) is honest: every watched name gets a leaf certificate of
 * its own (bench/sweep-leaves.ts: distinct serial, subject, SAN and expiry, under one of two intermediates),
 * served through SNI at the address its name carries (bench/sweep-fixture.ts benchName/benchAddress), and a
 * real check of a name verifies that leaf: verdict ok, its own fingerprint. A leaf the checker rejected would
 * make the sweep fast for the wrong reason.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { benchAddress, benchName } from '../bench/sweep-fixture.js';
import { type LeafFactory, leafFactory } from '../bench/sweep-leaves.js';
import { checkJudged } from '../src/check.js';
import { observedOf } from '../src/scheduler/observe.js';
import { type Running, startTlsServer } from './support/servers.js';

let leaves: LeafFactory;
const open: Running[] = [];
before(async () => {
  leaves = await leafFactory();
});
after(() => Promise.all(open.map((s) => s.close())));

const split = (pem: string) => pem.split(/(?<=-----END CERTIFICATE-----\n)/).filter((p) => p.trim() !== '');

test('each name gets its own leaf, issued by one of two intermediates under the root', () => {
  const root = new X509Certificate(leaves.rootPem);
  const seen = new Set<string>();
  const issuers = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const name = benchName(i);
    const [leafPem, interPem] = split(leaves.chainPemFor(name, i));
    const leaf = new X509Certificate(leafPem!);
    const inter = new X509Certificate(interPem!);
    assert.equal(leaf.subject, `CN=${name}`);
    assert.equal(leaf.subjectAltName, `DNS:${name}`);
    assert.equal(leaf.checkHost(name), name);
    assert.equal(leaf.checkIssued(inter), true);
    assert.equal(leaf.verify(inter.publicKey), true);
    assert.equal(inter.verify(root.publicKey), true);
    seen.add(leaf.serialNumber);
    issuers.add(inter.subject);
  }
  assert.equal(seen.size, 6);
  assert.equal(issuers.size, 2);
});

test('names spread over loopback addresses; the name carries its address', () => {
  const addresses = new Set(Array.from({ length: 200 }, (_, i) => benchAddress(i)));
  assert.equal(addresses.size, 16);
  for (let i = 0; i < 200; i += 37) {
    const k = /\.a(\d+)\.bench\.test$/.exec(benchName(i))?.[1];
    assert.equal(benchAddress(i), `127.0.1.${k}`);
  }
});

test('a real check of two names served by one server sees two different leaves, each ok', async () => {
  const contexts = new Map(
    [0, 1].map((i) => [
      benchName(i),
      tls.createSecureContext({ cert: leaves.chainPemFor(benchName(i), i), key: leaves.keyPem }),
    ]),
  );
  const server = await startTlsServer({
    // as bench/sweep-servers.ts: the no-SNI handshake gets a wildcard valid for the names
    certPem: leaves.chainPemFor(['*.bench.test', '*.a1.bench.test'], 0),
    keyPem: leaves.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
    sniContext: (name) => contexts.get(name),
  });
  open.push(server);
  const fingerprints: string[] = [];
  for (const i of [0, 1]) {
    const { report, ...judged } = await checkJudged(`${benchName(i)}:${server.port}`, {
      now: () => new Date(),
      allow: ['127.0.0.0/8'],
      extraCaPem: [leaves.rootPem],
      lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const observed = observedOf({ report, ...judged });
    assert.equal(observed.verdict, 'ok', JSON.stringify(observed.codes));
    assert.equal(observed.endpoints[0]?.leaf?.subject, `CN=${benchName(i)}`);
    fingerprints.push(observed.endpoints[0]!.leaf!.sha256);
  }
  assert.notEqual(fingerprints[0], fingerprints[1]);
});
