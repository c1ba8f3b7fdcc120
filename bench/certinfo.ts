/**
 * parseCert cost per new certificate, cold (describeCert: no memo), against Node's own
 * `new X509Certificate(der)` on the same certificates in the same run, and against the @peculiar/x509
 * path parseCert used before. Corpus: fast-check-chosen test-PKI certificates (RSA/EC/Ed25519, SANs,
 * AIA, CRL DP, must-staple…), hand-made ones (policies, name constraints, 150 SANs…) and the Mozilla roots.
 */
import { X509Certificate as NodeX509 } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describeCert } from '../src/probe/certinfo.js';
import { extraCerts, rootBundle, specArb } from '../test/support/cert-corpus.js';
import { parseCertPeculiar } from '../test/support/certinfo-peculiar.js';
import { makeCert } from '../test/support/pki.js';

const GENERATED = Number(process.env.BENCH_CERTS ?? 60);
const ROUNDS = 5;

async function corpus(): Promise<{ name: string; ders: Uint8Array[] }[]> {
  const ca = await makeCert({ subject: 'CN=Bench CA', ca: true, keyUsage: ['keyCertSign'] });
  const generated: Uint8Array[] = [];
  for (const spec of fc.sample(specArb, { numRuns: GENERATED, seed: 42 }))
    generated.push((await makeCert(spec, ca)).der);
  return [
    { name: `generated (${generated.length})`, ders: [...generated, ...(await extraCerts())] },
    { name: `Mozilla roots (${rootBundle().length})`, ders: rootBundle() },
  ];
}

/** Median over rounds of µs per certificate. */
function perCert(ders: Uint8Array[], parse: (der: Uint8Array) => unknown): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const started = performance.now();
    for (const der of ders) parse(der);
    rounds.push(((performance.now() - started) * 1000) / ders.length);
  }
  return rounds.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
}

export async function runCertinfoBench(): Promise<string> {
  const lines = [`parseCert, cold (no memo), median of ${ROUNDS} rounds, µs per certificate`];
  for (const { name, ders } of await corpus()) {
    for (const der of ders.slice(0, 10)) [new NodeX509(der), parseCertPeculiar(der), describeCert(der)];
    const node = perCert(ders, (d) => new NodeX509(d));
    const before = perCert(ders, parseCertPeculiar);
    const after = perCert(ders, describeCert);
    lines.push(
      [
        `  ${name}`.padEnd(24),
        `node X509 ${node.toFixed(0)} µs`.padEnd(18),
        `before ${before.toFixed(0)} µs (${(before / node).toFixed(1)}×)`.padEnd(26),
        `after ${after.toFixed(0)} µs (${(after / node).toFixed(1)}×)`.padEnd(24),
        `speed-up ${(before / after).toFixed(1)}×`,
      ].join(' '),
    );
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await runCertinfoBench());
