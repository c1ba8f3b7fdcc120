import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import { fetchHttpHeaders } from '../src/probe/http.js';
import type { Attempt, HttpResult } from '../src/probe/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startPlainHttp, startSilent, startTlsServer } from './support/servers.js';

const NOW = new Date('2026-03-01T12:00:00Z');
let chain: Chain;
const servers: Running[] = [];
before(async () => {
  chain = await makeChain();
});
after(() => Promise.all(servers.map((s) => s.close())));

/** GET / from a loopback server as "localhost". */
function get(port: number, timeoutMs = 3000): Promise<Attempt<HttpResult>> {
  return fetchHttpHeaders({
    address: '127.0.0.1',
    port,
    servername: 'localhost',
    hostHeader: 'localhost',
    timeoutMs,
    now: NOW,
  });
}

function completed(a: Attempt<HttpResult>): HttpResult {
  assert.equal(a.status, 'completed', JSON.stringify(a));
  return (a as { result: HttpResult }).result;
}

test('Date, Server and HSTS come back; receivedAt is the injected clock plus elapsed time', async () => {
  const server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    date: 'Sun, 01 Mar 2026 11:58:00 GMT',
    headers: { Server: 'nginx/1.25.3', 'Strict-Transport-Security': 'max-age=63072000' },
  });
  servers.push(server);
  const result = completed(await get(server.port));
  assert.equal(result.status, 200);
  assert.equal(result.date, 'Sun, 01 Mar 2026 11:58:00 GMT');
  assert.equal(result.server, 'nginx/1.25.3');
  assert.equal(result.strictTransportSecurity, 'max-age=63072000');
  const lag = Date.parse(result.receivedAt) - NOW.getTime();
  assert.ok(lag >= 0 && lag < 3000, `receivedAt ${result.receivedAt}`);
});

test('the request carries our Host header and SNI, and dials the given address', async () => {
  const seen: { host?: string; sni?: string | false } = {};
  const server = createServer({ cert: chain.fullchainPem, key: chain.leaf.keyPem }, (req, res) => {
    seen.host = req.headers.host;
    seen.sni = (req.socket as net.Socket & { servername?: string | false }).servername;
    res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  try {
    const result = completed(
      await fetchHttpHeaders({
        address: '127.0.0.1',
        port,
        servername: 'www.example.test',
        hostHeader: 'www.example.test:8443',
        timeoutMs: 3000,
        now: NOW,
      }),
    );
    assert.equal(result.status, 204);
    assert.equal(result.strictTransportSecurity, null);
    assert.deepEqual(seen, { host: 'www.example.test:8443', sni: 'www.example.test' });
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('an oversized header block is too_large', async () => {
  const server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { 'X-Padding': 'a'.repeat(100_000) },
  });
  servers.push(server);
  const out = await get(server.port);
  assert.equal(out.status === 'error' && out.code, 'too_large', JSON.stringify(out));
});

const failing: { name: string; start: () => Promise<Running>; code: string }[] = [
  { name: 'silent listener', start: startSilent, code: 'connection_timeout' },
  { name: 'plain HTTP', start: startPlainHttp, code: 'not_tls' },
];

for (const c of failing) {
  test(`HTTP against a ${c.name} → ${c.code}, within the timeout`, async () => {
    const server = await c.start();
    servers.push(server);
    const start = performance.now();
    const out = await get(server.port, 300);
    assert.equal(out.status === 'error' && out.code, c.code, JSON.stringify(out));
    assert.ok(performance.now() - start < 300 + 1500, `took ${performance.now() - start} ms`);
  });
}
