/**
 * The check with revocation on (issue 10): a leaf whose OCSP responder answers after 50 ms, one round trip of the
 * delayed path (the answer carries no nextUpdate, so it is never cached and every run pays it), served through the same 25 ms-each-way proxy
 * as the bare handshake it is compared with. Revocation starts once the chain is built, so it adds about one
 * responder round trip. Loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificateList } from '@peculiar/asn1-x509';
import { lookupCrl, parseCrl, verifyCrl } from '../src/probe/revocation/crl.js';
import { revCert } from '../src/probe/revocation/signed.js';
import { makeCert, makeChain } from '../test/support/pki.js';
import { makeLargeCrl, makeOcspResponse, startRevocationServer } from '../test/support/revocation.js';
import { startTlsServer } from '../test/support/servers.js';
import { startDelayProxy } from './delay-proxy.js';

export type Sample = (mode: 'bare' | 'check', port: number, caFile: string) => Promise<{ median: number }>;

/** One line: check with an OCSP responder 50 ms away vs a bare handshake on the same delayed path. */
export async function revocationLine(sample: Sample): Promise<string> {
  const chain = await makeChain();
  const inter = chain.intermediates[0]!;
  const rev = await startRevocationServer();
  const leaf = await makeCert(
    { ...chain.leaf.spec, ocspUrl: `${rev.url}/ocsp`, crlUrl: undefined, serial: undefined },
    inter,
  );
  // No nextUpdate: the answer may not be reused (RFC 6960 §4.2.2.1), so every run pays the round trip; with one,
  // the per-process OCSP cache would answer every run after the first.
  rev.routes.set('/ocsp', {
    body: makeOcspResponse({ cert: leaf, issuer: inter, status: 'good', nextUpdate: null }),
    delayMs: 50,
  });
  const server = await startTlsServer({
    certPem: leaf.pem + inter.pem,
    keyPem: leaf.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  });
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-bench-rev-'));
  const caFile = join(dir, 'root.pem');
  writeFileSync(caFile, chain.root.pem);
  const proxy = await startDelayProxy(server.port, 25);
  try {
    const bare = await sample('bare', proxy.port, caFile);
    const full = await sample('check', proxy.port, caFile);
    const r = full.median / bare.median;
    return `   + OCSP 50 ms away  bare ${bare.median.toFixed(1)} ms  check ${full.median.toFixed(1)} ms  = ${r.toFixed(2)}× (revocation on; the in-process target is ≤ 3×: ${r <= 3 ? 'met' : 'MISSED'})`;
  } finally {
    await proxy.close();
    await server.close();
    await rev.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * One line: CRL reading time per MiB — the DER scanner (split, signature over the raw TBS, entry check, one
 * lookup of the last serial) on a 100,000-entry CRL, against the @peculiar schema parse the probe used before,
 * measured on a 5,000-entry CRL in the same run (it is ~5 ms/KiB: the big one would take tens of seconds).
 */
export async function crlParseLine(): Promise<string> {
  const chain = await makeChain();
  const inter = chain.intermediates[0]!;
  const issuer = revCert(inter.info);
  const now = new Date();
  const big = makeLargeCrl({ issuer: inter, count: 100_000, last: [{ cert: chain.leaf, reason: 'keyCompromise' }] });
  const small = makeLargeCrl({ issuer: inter, count: 5_000 });
  const MiB = 1024 * 1024;
  const perMiB = (bytes: number, run: () => void, times: number) => {
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const t = performance.now();
      run();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)]! / (bytes / MiB);
  };
  const scan = perMiB(
    big.length,
    () => {
      const v = verifyCrl(parseCrl(big), issuer, now);
      if (!v.ok || lookupCrl(v.index, chain.leaf.info.serialNumber, null, false).outcome !== 'revoked') {
        throw new Error('bench CRL not read as revoked');
      }
    },
    5,
  );
  const schema = perMiB(
    small.length,
    () => AsnConvert.parse(small, CertificateList, { berOptions: { maxNodes: small.length } }),
    3,
  );
  return `   CRL read per MiB   scanner ${scan.toFixed(1)} ms/MiB (${(big.length / MiB).toFixed(1)} MiB, 100,000 entries, signature + lookup)  schema parse ${schema.toFixed(0)} ms/MiB (5,000 entries)  = ${(schema / scan).toFixed(0)}× faster`;
}
