/**
 * A path with no CRL/OCSP pointers and no staple is judged without loading the revocation parsers
 * (src/probe/revocation/index.ts, withoutPointers). That shortcut must report exactly what the full checker
 * (checkRevocation) reports for the same path, and must step aside as soon as any certificate names a pointer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import { checkRevocation } from '../src/probe/revocation/check.js';
import { revocationFor } from '../src/probe/revocation/index.js';
import type { Attempt, ChainReport } from '../src/probe/types.js';
import { reportWith } from './support/report.js';

const fetchNever = async () => {
  throw new Error('nothing may be fetched for a path without pointers');
};

function quickOf(chain: ChainReport, now = new Date()) {
  const attempt: Attempt<ChainReport> = { status: 'completed', result: chain };
  const opts = { policy: createAddressPolicy([]), signal: new AbortController().signal, remaining: () => 1000, now };
  return revocationFor(undefined, attempt, opts);
}

async function both(chain: ChainReport) {
  const now = new Date();
  const quick = await quickOf(chain, now);
  const full = await checkRevocation(
    { built: chain.built, sources: chain.sources, staple: null },
    { fetch: fetchNever, now },
  );
  return { quick, full };
}

function chainOf(attempt: Attempt<ChainReport>): ChainReport {
  assert.equal(attempt.status, 'completed');
  return (attempt as { result: ChainReport }).result;
}

test('no pointers: the shortcut equals checkRevocation, for a trusted path and one whose issuer is missing', async () => {
  const trusted = chainOf((await reportWith({})).report.endpoints[0]!.chain);
  assert.ok(trusted.built.every((c) => c.crlDistributionPoints.length === 0 && c.aia.ocsp.length === 0));
  const incomplete: ChainReport = {
    ...trusted,
    built: trusted.built.slice(0, 1),
    sources: trusted.sources.slice(0, 1),
  };
  for (const chain of [trusted, incomplete]) {
    const { quick, full } = await both(chain);
    assert.deepEqual(quick, { status: 'completed', result: full });
  }
});

test('a certificate with an OCSP URL takes the full checker (which fetches)', async () => {
  const trusted = chainOf((await reportWith({})).report.endpoints[0]!.chain);
  const leaf = { ...trusted.built[0]!, aia: { ...trusted.built[0]!.aia, ocsp: ['http://127.0.0.1:9/ocsp'] } };
  const withPointer: ChainReport = { ...trusted, built: [leaf, ...trusted.built.slice(1)] };
  // the address policy refuses loopback: the full checker tries the URL and records the refusal
  const quick = await quickOf(withPointer);
  assert.equal(quick.status, 'completed');
  const rev = (quick as { result: { certs: { noPointers: boolean; sources: unknown[] }[] } }).result;
  assert.equal(rev.certs[0]!.noPointers, false);
  assert.ok(rev.certs[0]!.sources.length > 0, 'the OCSP URL was tried');
});
