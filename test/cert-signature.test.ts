/**
 * The signature check over the TBS bytes (cert-signature.ts) against OpenSSL's X509_verify (Node's
 * X509Certificate.verify) on the same certificates and keys: the same answer whenever it answers, and no
 * answer for what it leaves to OpenSSL. And a certificate parsed as OpenSSL-accepted (from a completed
 * handshake) is the same CertInfo as one parsed the ordinary way.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { verifiesTbs } from '../src/probe/cert-signature.js';
import { certVerifiesWith, describeCert, isMalformed, parseCert, verifiesWith } from '../src/probe/certinfo.js';
import { rsaExponent } from '../src/probe/key-sanity.js';
import type { CertInfo } from '../src/probe/types.js';
import { type HashName, type KeySpec, makeCert } from './support/pki.js';

const KEYS: KeySpec[] = [
  { type: 'ec', curve: 'P-256' },
  { type: 'ec', curve: 'P-384' },
  { type: 'ec', curve: 'P-521' },
  { type: 'rsa', bits: 2048 },
  { type: 'ed25519' },
];
const HASHES: HashName[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];

test('over the TBS: the same verdict as X509_verify, for good, bad and foreign signatures', async () => {
  let decided = 0;
  let left = 0;
  for (const key of KEYS) {
    const ca = await makeCert({ subject: `CN=Sig CA ${JSON.stringify(key)}`, ca: true, key });
    const other = await makeCert({ subject: 'CN=Other CA', ca: true, key });
    const caNode = new X509Certificate(ca.der);
    for (const hash of key.type === 'ed25519' ? (['SHA-256'] as const) : HASHES) {
      for (const badSignature of [false, true]) {
        const leaf = await makeCert({ subject: 'CN=leaf', signatureHash: hash, badSignature }, ca);
        const leafNode = new X509Certificate(leaf.der);
        for (const issuer of [caNode, new X509Certificate(other.der)]) {
          const expected = leafNode.verify(issuer.publicKey);
          const fast = verifiesTbs(leaf.der, issuer.publicKey);
          if (fast === undefined) left++;
          else {
            decided++;
            assert.equal(fast, expected, `${JSON.stringify(key)} ${hash} bad=${badSignature}`);
          }
          const info = describeCert(leaf.der, true) as CertInfo;
          assert.equal(certVerifiesWith(info, issuer), verifiesWith(leafNode, issuer));
        }
        // the right issuer verifies a good signature and only that
        assert.equal(leafNode.verify(caNode.publicKey), !badSignature);
      }
      const expectFast = key.type !== 'ed25519' && hash !== 'SHA-1';
      const leaf = await makeCert({ subject: 'CN=leaf', signatureHash: hash }, ca);
      assert.equal(verifiesTbs(leaf.der, caNode.publicKey) !== undefined, expectFast, `${JSON.stringify(key)} ${hash}`);
    }
  }
  // ECDSA and PKCS #1 with SHA-2 are decided here; SHA-1 and EdDSA go to OpenSSL
  assert.ok(decided >= 48, `decided ${decided}`);
  assert.ok(left >= 16, `left ${left}`);
});

test('a key of the other type, a tampered TBS or algorithm, and non-certificates are not decided or are refused', async () => {
  const ec = await makeCert({ subject: 'CN=EC CA', ca: true, key: { type: 'ec', curve: 'P-256' } });
  const rsa = await makeCert({ subject: 'CN=RSA CA', ca: true, key: { type: 'rsa', bits: 2048 } });
  const leaf = await makeCert({ subject: 'CN=leaf' }, ec);
  const ecKey = new X509Certificate(ec.der).publicKey;
  assert.equal(verifiesTbs(leaf.der, new X509Certificate(rsa.der).publicKey), undefined);
  assert.equal(verifiesTbs(leaf.der, ecKey), true);
  // one bit of the subject flipped: the digest changes, both refuse
  const tampered = Buffer.from(leaf.der);
  const at = tampered.indexOf(Buffer.from('leaf'));
  tampered[at] ^= 0x01;
  assert.equal(verifiesTbs(tampered, ecKey), false);
  assert.equal(new X509Certificate(tampered).verify(ecKey), false);
  // the outer algorithm no longer the TBS's (ecdsa-with-SHA384 outside): OpenSSL refuses, this leaves it to OpenSSL
  const swapped = Buffer.from(leaf.der);
  const alg = Buffer.from('06082a8648ce3d040302', 'hex');
  const outer = swapped.lastIndexOf(alg);
  swapped[outer + alg.length - 1] = 0x03;
  assert.equal(verifiesTbs(swapped, ecKey), undefined);
  assert.equal(new X509Certificate(swapped).verify(ecKey), false);
  for (const junk of [Buffer.alloc(0), Buffer.from('3003020101', 'hex'), leaf.der.subarray(0, 40)])
    assert.equal(verifiesTbs(junk, ecKey), undefined);
});

test('parsed as accepted by a handshake: the same CertInfo, self-signed roots included', async () => {
  for (const key of KEYS) {
    const root = await makeCert({ subject: 'CN=Accepted Root', ca: true, key });
    const leaf = await makeCert({ subject: 'CN=accepted leaf', dnsNames: ['a.example'] }, root);
    for (const der of [root.der, leaf.der]) {
      const accepted = describeCert(der, true);
      assert.ok(!isMalformed(accepted));
      assert.deepEqual(accepted, describeCert(der));
    }
  }
  // a DER OpenSSL refuses is malformed whichever way it is parsed (it never comes out of a completed handshake)
  const bad = Buffer.from('30820100', 'hex');
  assert.ok(isMalformed(parseCert(bad)));
});

test('an RSA key’s public exponent read from the DER is the one Node’s JWK export gives', async () => {
  const { hostileChain } = await import('./support/hostile-chain.js');
  const jwkExponent = (der: Uint8Array) => {
    const e = new X509Certificate(der).publicKey.export({ format: 'jwk' }).e;
    return e === undefined ? null : Buffer.from(e, 'base64url');
  };
  const fromJwk = (der: Uint8Array) => {
    const e = jwkExponent(der);
    if (e === null) return null;
    const hex = e.toString('hex').replace(/^(00)+/, '') || '0';
    return hex;
  };
  const rsa = await makeCert({ subject: 'CN=RSA', key: { type: 'rsa', bits: 2048 } });
  const hostile = await hostileChain({ exponentBits: 3070 });
  const plain = await hostileChain({ exponentBits: 17 });
  const ders = [rsa.der, ...hostile.ders.slice(1, 5), ...plain.ders.slice(1, 5)].map((d) => new Uint8Array(d));
  for (const der of ders) {
    const got = rsaExponent(Buffer.from(der).toString('base64'));
    assert.ok(got !== null);
    const expected = fromJwk(der)!;
    // short exponents are printed whole, long ones as their first 4 bytes and the bit count
    if (expected.length <= 16) assert.equal(got.hex, expected);
    else assert.equal(got.hex, `${expected.slice(0, 8)}… (${got.bits} bits)`);
    assert.equal(got.odd, (Number.parseInt(expected.slice(-1), 16) & 1) === 1);
  }
  const ec = await makeCert({ subject: 'CN=EC' });
  assert.equal(rsaExponent(Buffer.from(ec.der).toString('base64')), null);
});
