import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { describeCert, isMalformed, toNodeCert } from '../src/probe/certinfo.js';
import { DerError, readTlv } from '../src/probe/der-reader.js';
import { extraCerts, rootBundle } from './support/cert-corpus.js';
import { makeChain } from './support/pki.js';

type Mutation = (der: Uint8Array) => Uint8Array;

const truncate =
  (at: number): Mutation =>
  (d) =>
    d.subarray(0, Math.floor(at * d.length));
const flip =
  (at: number, mask: number): Mutation =>
  (d) => {
    const out = d.slice();
    const i = Math.floor(at * out.length);
    out[i] = out[i]! ^ mask;
    return out;
  };
/** Replace one byte with a hostile length octet: indefinite (0x80), 5-byte (0x85) or 4 GiB (0x84 ff ff ff ff). */
const badLength =
  (at: number, octets: readonly number[]): Mutation =>
  (d) => {
    const i = Math.floor(at * d.length);
    return Uint8Array.from([...d.subarray(0, i), ...octets, ...d.subarray(i + 1)]);
  };
/** Splice a deeply nested SEQUENCE into the certificate. */
const nest =
  (at: number, depth: number): Mutation =>
  (d) => {
    const i = Math.floor(at * d.length);
    const deep = [...Array(depth).fill([0x30, 0x80]).flat(), ...Array(depth * 2).fill(0)];
    return Uint8Array.from([...d.subarray(0, i), ...deep, ...d.subarray(i)]);
  };

const unit = fc.double({ min: 0, max: 0.999, noNaN: true });
const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    unit.map(truncate),
    fc.tuple(unit, fc.integer({ min: 1, max: 255 })).map(([at, m]) => flip(at, m)),
    fc
      .tuple(unit, fc.constantFrom([0x80], [0x85, 1, 2, 3, 4, 5], [0x84, 0xff, 0xff, 0xff, 0xff], [0x81, 0x00]))
      .map(([at, o]) => badLength(at, o)),
    fc.tuple(unit, fc.integer({ min: 1, max: 3000 })).map(([at, n]) => nest(at, n)),
  ),
  { minLength: 1, maxLength: 4 },
);

test('mutated certificates give a CertInfo or a MalformedCert with a reason, never a throw, in bounded time', async () => {
  const chain = await makeChain({
    leaf: { mustStaple: true, crlUrl: 'http://c.test/x.crl', ocspUrl: 'http://o.test' },
  });
  const seeds = [chain.leaf.der, chain.intermediates[0]!.der, ...(await extraCerts()), ...rootBundle().slice(0, 8)];
  fc.assert(
    fc.property(fc.constantFrom(...seeds), mutationArb, (seed, mutations) => {
      const der = mutations.reduce((d, m) => m(d), seed);
      const started = performance.now();
      const out = describeCert(der);
      assert.ok(performance.now() - started < 500, 'one parse took over 500 ms');
      if (isMalformed(out)) assert.ok(out.error.length > 0);
      else assert.doesNotThrow(() => toNodeCert(out));
    }),
    { numRuns: 1500 },
  );
});

test('hostile DER lengths are refused by the reader, not read past', () => {
  const cases: [string, number[]][] = [
    ['empty', []],
    ['tag only', [0x30]],
    ['length past the buffer', [0x30, 0x05, 0x02, 0x01]],
    ['4 GiB length', [0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['indefinite length', [0x30, 0x80, 0x00, 0x00]],
    ['5-byte length', [0x30, 0x85, 0, 0, 0, 0, 1, 0]],
    ['truncated length octets', [0x30, 0x82, 0x01]],
    ['high tag number', [0x1f, 0x01, 0x00]],
  ];
  for (const [name, bytes] of cases) {
    assert.throws(() => readTlv(Uint8Array.from(bytes), 0), DerError, name);
    assert.ok(isMalformed(describeCert(Uint8Array.from(bytes))), name);
  }
  assert.throws(
    () => readTlv(Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x05]), 0, 3),
    DerError,
    'child past its parent',
  );
});
