import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createSecureServer } from 'node:http2';
import { createServer } from 'node:https';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { fetchHttpHeaders, requestOver } from '../src/probe/http.js';
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

/** A TLS server on loopback that answers each connection with `answer` (or nothing), for requestOver. */
async function tlsAnswering(answer: string | null, alpn = ['http/1.1']): Promise<number> {
  const server = tls.createServer({ cert: chain.fullchainPem, key: chain.leaf.keyPem, ALPNProtocols: alpn }, (s) => {
    s.on('error', () => {});
    if (answer !== null) s.once('data', () => s.end(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  servers.push({
    port: 0,
    url: '',
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return (server.address() as net.AddressInfo).port;
}

/** The probe's way: a connection already open (the main handshake's), handed to requestOver. */
async function over(port: number, alpn: string[], timeoutMs: number): Promise<Attempt<HttpResult>> {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    rejectUnauthorized: false,
    ALPNProtocols: alpn,
  });
  await once(socket, 'secureConnect');
  return requestOver(socket, { hostHeader: 'localhost', timeoutMs, now: NOW });
}

test('requestOver: HTTP/2 when ALPN chose h2, on the same connection', async () => {
  const server = createSecureServer({ cert: chain.fullchainPem, key: chain.leaf.keyPem }, (_req, res) => {
    res.writeHead(200, { date: 'Sun, 01 Mar 2026 12:00:05 GMT', 'strict-transport-security': 'max-age=600' }).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let connections = 0;
  server.on('connection', () => connections++);
  try {
    const { port } = server.address() as net.AddressInfo;
    const result = completed(await over(port, ['h2', 'http/1.1'], 3000));
    assert.equal(result.status, 200);
    assert.equal(result.date, 'Sun, 01 Mar 2026 12:00:05 GMT');
    assert.equal(result.strictTransportSecurity, 'max-age=600');
    assert.equal(connections, 1);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

const notHttp: { name: string; answer: string | null; why: RegExp }[] = [
  { name: 'says nothing after the handshake', answer: null, why: /no HTTP status line within 300 ms/ },
  { name: 'answers with a non-HTTP protocol', answer: '+OK POP3 ready\r\n', why: /does not answer HTTP/ },
];
for (const c of notHttp) {
  test(`requestOver: a TLS server that ${c.name} → skipped with the reason, within the wait`, async () => {
    const port = await tlsAnswering(c.answer);
    const start = performance.now();
    const out = await over(port, ['http/1.1'], 300);
    assert.equal(out.status, 'skipped', JSON.stringify(out));
    assert.match((out as { why: string }).why, c.why);
    assert.ok(performance.now() - start < 300 + 1500, `took ${performance.now() - start} ms`);
  });
}

test('requestOver: an oversized header block is too_large', async () => {
  const port = await tlsAnswering(`HTTP/1.1 200 OK\r\nX-Padding: ${'a'.repeat(100_000)}\r\n\r\n`);
  const out = await over(port, ['http/1.1'], 3000);
  assert.equal(out.status === 'error' && out.code, 'too_large', JSON.stringify(out));
});
