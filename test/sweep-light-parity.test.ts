/**
 * Issue 8, sweep CPU: a sweep (light-profile) check parses the certificates of a completed handshake without
 * Node's X509Certificate (certinfo.ts `tlsAccepted`), checks the leaf's signature over its TBS
 * (cert-signature.ts) and decrypts a TLS 1.3 flight only up to its Certificate message. On real loopback servers
 * whose chains differ in every way a chain finding looks at (wrong order, an extra certificate, a missing
 * intermediate, an expired leaf, the wrong name, an RSA chain, TLS 1.2 and 1.3), what it observes must be what
 * the ordinary path gives: each sent certificate equal to a fresh parse that does make the X509Certificate,
 * each link's signature verdict equal to OpenSSL's X509_verify, and the expected finding codes.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { judge } from '../src/diagnose.js';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { describeCert, isMalformed } from '../src/probe/certinfo.js';
import { probe } from '../src/probe/index.js';
import { stepsFor } from '../src/probe/profile.js';
import { parseTarget } from '../src/probe/target.js';
import { loadTrustStore } from '../src/probe/trust.js';
import { observedOf } from '../src/scheduler/observe.js';
import { type Chain, makeCert, makeChain, pemOf } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const now = new Date();
const open: Running[] = [];
let ec: Chain;
let rsa: Chain;
let expired: Chain;
let stray: string;
before(async () => {
  ec = await makeChain({}, now);
  rsa = await makeChain(
    {
      root: { key: { type: 'rsa', bits: 2048 } },
      intermediates: [{ key: { type: 'rsa', bits: 2048 } }],
      leaf: { key: { type: 'rsa', bits: 2048 } },
    },
    now,
  );
  expired = await makeChain({ leaf: { notAfter: new Date(now.getTime() - 2 * DAY) } }, now);
  stray = (await makeCert({ subject: 'CN=Unrelated CA', ca: true })).pem;
});
after(() => Promise.all(open.map((s) => s.close())));

interface Case {
  name: string;
  chain: () => Chain;
  served: (c: Chain) => string;
  host?: string;
  maxVersion?: 'TLSv1.2';
  /** codes the check must report (beyond these, the parity assertions decide) */
  codes: string[];
}

const cases: Case[] = [
  { name: 'a good EC chain, TLS 1.3', chain: () => ec, served: (c) => c.fullchainPem, codes: [] },
  {
    name: 'a good EC chain, TLS 1.2',
    chain: () => ec,
    served: (c) => c.fullchainPem,
    maxVersion: 'TLSv1.2',
    codes: [],
  },
  { name: 'a good RSA chain', chain: () => rsa, served: (c) => c.fullchainPem, codes: [] },
  {
    name: 'the RSA chain over TLS 1.2',
    chain: () => rsa,
    served: (c) => c.fullchainPem,
    maxVersion: 'TLSv1.2',
    codes: [],
  },
  {
    name: 'the wrong order (root before the intermediate)',
    chain: () => ec,
    served: (c) => pemOf(c.leaf, c.root, ...c.intermediates),
    codes: ['chain_order'],
  },
  {
    name: 'an extra, unrelated certificate',
    chain: () => ec,
    served: (c) => c.fullchainPem + stray,
    codes: [],
  },
  { name: 'a missing intermediate', chain: () => ec, served: (c) => pemOf(c.leaf), codes: ['chain_incomplete'] },
  { name: 'an expired leaf', chain: () => expired, served: (c) => c.fullchainPem, codes: ['cert_expired'] },
  {
    name: 'the wrong name',
    chain: () => ec,
    served: (c) => c.fullchainPem,
    host: 'other.example',
    codes: ['hostname_mismatch'],
  },
];

describe('the light path observes what the ordinary path would', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const chain = c.chain();
      const s = await startTlsServer({
        certPem: c.served(chain),
        keyPem: chain.leaf.keyPem,
        ...(c.maxVersion ? { maxVersion: c.maxVersion } : {}),
      });
      open.push(s);
      const target = parseTarget(`${c.host ?? 'localhost'}:${s.port}`);
      const report = await probe(target, {
        now,
        timeoutMs: 8000,
        policy: createAddressPolicy(['127.0.0.0/8']),
        trust: loadTrustStore({ extraCaPem: [chain.root.pem] }),
        lookup: async () => [{ address: '127.0.0.1', family: 4 as const }],
        steps: stepsFor('light', 'parity'),
      });
      const ep = report.endpoints[0]!;
      assert.equal(ep.handshake.status, 'completed');
      if (ep.handshake.status !== 'completed') return;
      const hs = ep.handshake.result;
      assert.equal(hs.protocol, c.maxVersion ?? 'TLSv1.3');
      assert.equal(hs.sentChainSource, 'wire');
      // each certificate as a fresh parse through Node's X509Certificate gives it
      const ders = hs.sentChain.map((x) => Buffer.from(x.der, 'base64'));
      assert.deepEqual(
        hs.sentChain,
        ders.map((d) => describeCert(d)),
      );
      assert.equal(hs.sentChain.length, c.served(chain).match(/BEGIN CERTIFICATE/g)!.length);
      // each link's signature verdict is OpenSSL's
      assert.equal(ep.chain.status, 'completed');
      if (ep.chain.status !== 'completed') return;
      const built = ep.chain.result.built;
      ep.chain.result.links.forEach((link, i) => {
        const child = built[i]!;
        const issuer = built[i + 1];
        if (!issuer || isMalformed(child)) return;
        const expected = new X509Certificate(Buffer.from(child.der, 'base64')).verify(
          new X509Certificate(Buffer.from(issuer.der, 'base64')).publicKey,
        );
        assert.equal(link.signatureValid, expected, `link ${i}`);
      });
      const judged = judge(report, { now });
      const observed = observedOf({ report, ...judged });
      for (const code of c.codes) assert.ok(observed.codes.includes(code), `${code} in ${observed.codes}`);
      if (c.codes.length === 0) assert.equal(observed.verdict, 'ok', observed.codes.join(', '));
      assert.equal(observed.endpoints[0]!.leaf?.sha256, chain.leaf.info.sha256);
    });
  }
});
