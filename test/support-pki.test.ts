import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import tls from 'node:tls';
import { makeCert, makeChain, pemOf } from './support/pki.js';
import { startTlsServer } from './support/servers.js';

test('makeChain mints a verifiable root → intermediate → leaf chain', async () => {
  const chain = await makeChain();
  const [leaf, inter, root] = [chain.leaf, chain.intermediates[0]!, chain.root].map((c) => new X509Certificate(c.der));
  assert.equal(leaf!.verify(inter!.publicKey), true);
  assert.equal(inter!.verify(root!.publicKey), true);
  assert.equal(chain.root.info.selfSigned, true);
  assert.deepEqual(chain.leaf.info.san?.dns, ['localhost']);
  assert.equal(chain.intermediates[0]!.info.basicConstraints?.ca, true);
});

test('spec options reach the certificate', async () => {
  const root = await makeCert({ subject: 'CN=R', ca: true, keyUsage: ['keyCertSign'] });
  const leaf = await makeCert(
    {
      subject: 'CN=x',
      key: { type: 'rsa', bits: 1024 },
      signatureHash: 'SHA-1',
      omitSan: true,
      mustStaple: true,
      aiaIssuerUrl: 'http://127.0.0.1/ca.der',
      badSignature: true,
    },
    root,
  );
  assert.equal(leaf.info.key.bits, 1024);
  assert.equal(leaf.info.signatureAlgorithm.name, 'ecdsa-with-SHA1');
  assert.equal(leaf.info.san, null);
  assert.equal(leaf.info.mustStaple, true);
  assert.deepEqual(leaf.info.aia.caIssuers, ['http://127.0.0.1/ca.der']);
  assert.equal(new X509Certificate(leaf.der).verify(new X509Certificate(root.der).publicKey), false);
  const sha1 = await makeCert({ subject: 'CN=s', key: { type: 'rsa', bits: 2048 }, signatureHash: 'SHA-1' });
  assert.equal(sha1.info.signatureAlgorithm.hash, 'SHA-1');
});

test('a loopback TLS server serves the minted chain to a verifying client', async () => {
  const chain = await makeChain();
  const server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  try {
    const authorized = await new Promise<boolean>((resolve, reject) => {
      const s = tls.connect(
        { host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pemOf(chain.root) },
        () => {
          resolve(s.authorized);
          s.destroy();
        },
      );
      s.on('error', reject);
    });
    assert.equal(authorized, true);
  } finally {
    await server.close();
  }
});
