/**
 * mysql:// end to end against a fake server speaking MySQL 8.0's real preamble (HandshakeV10, SSLRequest),
 * plus the ERR greeting a refusing server sends and target parsing of the scheme.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { check } from '../src/check.js';
import { sslRequest } from '../src/probe/starttls-mysql.js';
import { parseTarget } from '../src/probe/target.js';
import { handshake } from '../src/probe/tls.js';
import { type Chain, makeChain } from './support/pki.js';
import { startStarttlsServer } from './support/starttls-servers.js';

let chain: Chain;
const open: { close(): Promise<void> }[] = [];
before(async () => {
  chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
});
after(() => Promise.all(open.map((s) => s.close())));

test('mysql:// and mariadb:// parse to port 3306, protocol mysql', () => {
  for (const input of ['mysql://db.example.com', 'mariadb://db.example.com']) {
    const t = parseTarget(input);
    assert.deepEqual([t.host, t.port, t.protocol], ['db.example.com', 3306, 'mysql']);
  }
  assert.equal(parseTarget('mysql://db.example.com:3307').port, 3307);
});

test('the SSLRequest is the 32-byte packet with sequence id 1 and CLIENT_SSL | CLIENT_PROTOCOL_41', () => {
  const p = sslRequest();
  assert.equal(p.length, 36);
  assert.equal(p.readUIntLE(0, 3), 32);
  assert.equal(p[3], 1);
  const caps = p.readUInt32LE(4);
  assert.ok(caps & 0x800 && caps & 0x200);
  assert.ok(
    p.subarray(13).every((b) => b === 0),
    'filler is zero',
  );
});

test('check mysql://: the upgrade completes and the chain is diagnosed (no transport finding)', async () => {
  const server = await startStarttlsServer('mysql', { certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  open.push(server);
  const d = await check(`mysql://localhost:${server.port}`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 5_000,
  });
  const serious = d.findings.filter((f) => f.severity !== 'info').map((f) => f.code);
  assert.deepEqual(serious, []);
  const hs = d.report.endpoints[0]?.handshake;
  assert.equal(hs?.status, 'completed');
  if (hs?.status === 'completed') assert.equal(typeof hs.result.timings.starttlsMs, 'number');
});

test('an ERR greeting (host not allowed) is not_tls with the server message quoted', async () => {
  const msg = "Host '10.0.0.9' is not allowed to connect to this MySQL server";
  const payload = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), Buffer.from(msg)]);
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  const server = net.createServer((s) => s.end(Buffer.concat([head, payload])));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  const a = await handshake({
    address: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    servername: 'localhost',
    timeoutMs: 2_000,
    starttls: 'mysql',
  });
  assert.equal(a.status, 'error');
  if (a.status === 'error') {
    assert.equal(a.code, 'not_tls', a.error);
    assert.ok(a.error.includes('ERR 1130') && a.error.includes('is not allowed to connect'), a.error);
  }
});
