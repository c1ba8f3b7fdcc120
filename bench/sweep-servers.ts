/**
 * The sweep bench's endpoints in their own process (so the bot process's RSS and event loop are its own):
 * `count` loopback TLS servers, each listening on 127.0.0.1 and on `addresses` more loopback addresses
 * (127.0.1.1 …, one port per server on all of them), serving through SNI a leaf certificate of its own to
 * each of the `names` watched names (sweep-fixture.ts benchName; sweep-leaves.ts), and a wildcard leaf
 * (`*.bench.test`, `*.aK.bench.test`) to any other name or none (the bench's pinged /cert checks, the no-SNI
 * handshake: as before, a watched name's verdict stays ok). HSTS
 * on every response. Every TLS context is made before the servers answer, so a handshake costs the same
 * whenever it comes. Prints `{ ports, caFile }` when listening; runs until killed. argv: count names addresses.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startTlsServer } from '../test/support/servers.js';
import { benchName } from './sweep-fixture.js';
import { leafFactory } from './sweep-leaves.js';

const count = Number(process.argv[2] ?? 4);
const names = Number(process.argv[3] ?? 0);
const addresses = Number(process.argv[4] ?? 0);
const leaves = await leafFactory();
const contexts = new Map<string, tls.SecureContext>();
for (let i = 0; i < names; i++) {
  const name = benchName(i);
  contexts.set(name, tls.createSecureContext({ cert: leaves.chainPemFor(name, i), key: leaves.keyPem }));
}
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-sweep-servers-'));
const caFile = join(dir, 'root.pem');
writeFileSync(caFile, leaves.rootPem);
const common = {
  // what a handshake without SNI gets too (the sweep profile's no-SNI step): valid for every bench name
  certPem: leaves.chainPemFor(
    ['*.bench.test', ...Array.from({ length: addresses }, (_, a) => `*.a${a + 1}.bench.test`)],
    0,
  ),
  keyPem: leaves.keyPem,
  headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  sniContext: (name: string) => contexts.get(name.toLowerCase()),
};
const servers = await Promise.all(Array.from({ length: count }, () => startTlsServer(common)));
const ports = servers.map((s) => s.port);
const more = await Promise.all(
  ports.flatMap((port) =>
    Array.from({ length: addresses }, (_, a) => startTlsServer({ ...common, host: `127.0.1.${a + 1}`, port })),
  ),
);
process.stdout.write(`${JSON.stringify({ ports, caFile })}\n`);
process.on('SIGTERM', () => Promise.all([...servers, ...more].map((s) => s.close())).then(() => process.exit(0)));
