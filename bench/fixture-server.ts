/**
 * A loopback HTTPS endpoint in its own process, so the benchmark's client processes are measured without it
 * on their event loop: a one-intermediate chain, HSTS, TLS 1.2–1.3. Prints one JSON line
 * `{ port, caFile }` on stdout when listening; runs until killed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeChain } from '../test/support/pki.js';
import { startTlsServer } from '../test/support/servers.js';

const chain = await makeChain();
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-bench-'));
const caFile = join(dir, 'root.pem');
writeFileSync(caFile, chain.root.pem);
const server = await startTlsServer({
  certPem: chain.fullchainPem,
  keyPem: chain.leaf.keyPem,
  headers: { 'Strict-Transport-Security': 'max-age=63072000' },
});
process.stdout.write(`${JSON.stringify({ port: server.port, caFile })}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
