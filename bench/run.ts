/**
 * `npm run bench`: a bare node:tls handshake versus a full `check` of the same loopback endpoint,
 * medians over repeated runs, their ratio and peak RSS, straight and through a 25 ms-each-way proxy;
 * then the Slack bench and the per-certificate parse cost (bench/certinfo.ts).
 * Loopback only; every loop is bounded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeCert, makeChain } from '../test/support/pki.js';
import { makeOcspResponse, startRevocationServer } from '../test/support/revocation.js';
import { startTlsServer } from '../test/support/servers.js';
import { runCertinfoBench } from './certinfo.js';
import { startDelayProxy } from './delay-proxy.js';
import { formatSlackReport, runSlackBench } from './slack.js';

const exec = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);

interface Sample {
  mode: string;
  median: number;
  p90: number;
  maxRssKb: number;
}

async function sample(mode: 'bare' | 'check', port: number, caFile: string): Promise<Sample> {
  const { stdout } = await exec(
    process.execPath,
    ['--import', 'tsx', 'bench/worker.ts', mode, String(port), String(RUNS), caFile],
    {
      timeout: 120_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as Sample;
}

function line(label: string, bare: Sample, full: Sample): string {
  const ratio = full.median / bare.median;
  return [
    label.padEnd(22),
    `bare ${bare.median.toFixed(1)} ms (p90 ${bare.p90.toFixed(1)})`.padEnd(30),
    `check ${full.median.toFixed(1)} ms (p90 ${full.p90.toFixed(1)})`.padEnd(32),
    `ratio ${ratio.toFixed(2)}×`.padEnd(14),
    `peak RSS ${(bare.maxRssKb / 1024).toFixed(0)} → ${(full.maxRssKb / 1024).toFixed(0)} MiB (${(full.maxRssKb / bare.maxRssKb).toFixed(2)}×)`,
  ].join(' ');
}

async function main(): Promise<void> {
  const chain = await makeChain();
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-bench-'));
  const caFile = join(dir, 'root.pem');
  writeFileSync(caFile, chain.root.pem);
  const server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  });
  const proxy = await startDelayProxy(server.port, 25);
  try {
    console.log(`cert-doctor bench: ${RUNS} runs per mode, medians; each mode in its own process\n`);
    const direct = [await sample('bare', server.port, caFile), await sample('check', server.port, caFile)] as const;
    console.log(line('loopback (CPU cost)', ...direct));
    const delayed = [await sample('bare', proxy.port, caFile), await sample('check', proxy.port, caFile)] as const;
    console.log(line('50 ms RTT proxy', ...delayed));
    const ratio = delayed[1].median / delayed[0].median;
    console.log(
      `\ntarget on the delayed path: full diagnosis ≤ 3× a bare handshake → ${ratio <= 3 ? 'met' : 'MISSED'} (${ratio.toFixed(2)}×)`,
    );
    await revocationLine(chain, caFile, delayed[0]);
  } finally {
    await proxy.close();
    await server.close();
  }
  console.log('');
  console.log(formatSlackReport(await runSlackBench()));
  console.log('');
  console.log(await runCertinfoBench());
}

/**
 * A leaf whose OCSP responder answers after 50 ms (one RTT of the delayed path; OCSP answers are not cached,
 * so every run pays it): the check with revocation on against the same bare handshake.
 */
async function revocationLine(chain: Awaited<ReturnType<typeof makeChain>>, caFile: string, bare: Sample) {
  const rev = await startRevocationServer();
  const inter = chain.intermediates[0]!;
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
  const proxy = await startDelayProxy(server.port, 25);
  try {
    const full = await sample('check', proxy.port, caFile);
    console.log(line('+ OCSP 50 ms away', bare, full));
    const ratio = full.median / bare.median;
    console.log(`revocation on, same target (≤ 3×) → ${ratio <= 3 ? 'met' : 'MISSED'} (${ratio.toFixed(2)}×)`);
  } finally {
    await proxy.close();
    await server.close();
    await rev.close();
  }
}

await main();
