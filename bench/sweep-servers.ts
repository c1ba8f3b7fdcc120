/**
 * The sweep bench's endpoints in their own process (so the bot process's RSS and event loop are its own):
 * `count` loopback TLS servers sharing one wildcard certificate `*.bench.test` (one intermediate, HSTS),
 * so any number of names reach them through SNI. Prints `{ ports, caFile }` when listening; runs until
 * killed. argv: count.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeChain } from '../test/support/pki.js';
import { startTlsServer } from '../test/support/servers.js';

const count = Number(process.argv[2] ?? 4);
const chain = await makeChain({ leaf: { subject: 'CN=*.bench.test', dnsNames: ['*.bench.test'] } });
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-sweep-servers-'));
const caFile = join(dir, 'root.pem');
writeFileSync(caFile, chain.root.pem);
const servers = await Promise.all(
  Array.from({ length: count }, () =>
    startTlsServer({
      certPem: chain.fullchainPem,
      keyPem: chain.leaf.keyPem,
      headers: { 'Strict-Transport-Security': 'max-age=63072000' },
    }),
  ),
);
process.stdout.write(`${JSON.stringify({ ports: servers.map((s) => s.port), caFile })}\n`);
process.on('SIGTERM', () => Promise.all(servers.map((s) => s.close())).then(() => process.exit(0)));
