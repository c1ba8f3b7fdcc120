/**
 * The check with revocation on (issue 10): a leaf whose OCSP responder answers after 50 ms, one round trip of the
 * delayed path (OCSP answers are not cached, so every run pays it), served through the same 25 ms-each-way proxy
 * as the bare handshake it is compared with. Revocation starts once the chain is built, so it adds about one
 * responder round trip. Loopback only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCert, makeChain } from '../test/support/pki.js';
import { makeOcspResponse, startRevocationServer } from '../test/support/revocation.js';
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
  rev.routes.set('/ocsp', { body: makeOcspResponse({ cert: leaf, issuer: inter, status: 'good' }), delayMs: 50 });
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
