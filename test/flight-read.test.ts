/**
 * Issue 8, sweep CPU: the light profile's main handshake reads the server's TLS 1.3 flight itself
 * (src/probe/flight-read.ts) instead of running OpenSSL's client. On real loopback servers it must give what the
 * full handshake (tls.ts) gives — version, suite, ALPN, the chain exactly as sent, the OCSP staple, the error
 * code — and every case it does not take (TLS 1.2, a HelloRetryRequest, a client-certificate request, bytes that
 * are not TLS) must reach OpenSSL. The servers count the connections they accept: one per flight read, a second
 * when it handed over.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { readFlight } from '../src/probe/flight-read.js';
import { type HandshakeOptions, handshake } from '../src/probe/tls.js';
import type { Attempt, HandshakeResult } from '../src/probe/types.js';
import { type Chain, makeCert, makeChain, pemOf } from './support/pki.js';
import {
  closedPort,
  type Running,
  startPlainHttp,
  startRaw,
  startSilent,
  startTlsServer,
  type TlsServerOptions,
} from './support/servers.js';
import { record, serverHello } from './support/tls-bytes.js';

const open: Running[] = [];
let ec: Chain;
let rsa: Chain;
let ed: Chain;
let p384: Chain;
let stray: string;
before(async () => {
  ec = await makeChain();
  rsa = await makeChain({ leaf: { key: { type: 'rsa', bits: 2048 } } });
  ed = await makeChain({ leaf: { key: { type: 'ed25519' } } });
  p384 = await makeChain({ leaf: { key: { type: 'ec', curve: 'P-384' } } });
  stray = (await makeCert({ subject: 'CN=Unrelated CA', ca: true })).pem;
});
after(() => Promise.all(open.map((s) => s.close())));

/** A server from test/support/servers.ts that counts the TCP connections it accepts. */
async function counted(opts: TlsServerOptions): Promise<{ port: number; accepted: () => number }> {
  const s = await startTlsServer(opts);
  open.push(s);
  let n = 0;
  s.server.on('connection', () => n++);
  return { port: s.port, accepted: () => n };
}

function options(port: number, over: Partial<HandshakeOptions> = {}): HandshakeOptions {
  return { address: '127.0.0.1', port, servername: 'leaf.test', timeoutMs: 5000, legacy: true, ...over };
}

/** What the rest of the check reads from a handshake: everything but the timings. */
function facts(a: Attempt<HandshakeResult>) {
  if (a.status === 'completed') {
    const { timings: _t, sentChain, ...rest } = a.result;
    return { status: a.status, ...rest, chain: sentChain.map((c) => ('malformed' in c ? 'malformed' : c.sha256)) };
  }
  if (a.status === 'error') return { status: a.status, code: a.code, partial: a.partial !== undefined };
  return { status: a.status };
}

async function both(port: number, accepted: () => number, over: Partial<HandshakeOptions> = {}) {
  const full = await handshake(options(port, over));
  const before = accepted();
  const light = await readFlight(options(port, over));
  return { full: facts(full), light: facts(light), connections: accepted() - before, raw: light };
}

describe('the flight read gives what the full handshake gives', () => {
  const plain: { name: string; serve: () => TlsServerOptions; cipher?: string }[] = [
    { name: 'EC P-256 leaf', serve: () => ({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem }) },
    {
      name: 'RSA leaf (RSA-PSS CertificateVerify)',
      serve: () => ({ certPem: rsa.fullchainPem, keyPem: rsa.leaf.keyPem }),
    },
    { name: 'Ed25519 leaf', serve: () => ({ certPem: ed.fullchainPem, keyPem: ed.leaf.keyPem }) },
    { name: 'P-384 leaf', serve: () => ({ certPem: p384.fullchainPem, keyPem: p384.leaf.keyPem }) },
    {
      name: 'the chain in the wrong order, with an unrelated certificate',
      serve: () => ({ certPem: pemOf(ec.leaf, ec.root, ...ec.intermediates) + stray, keyPem: ec.leaf.keyPem }),
    },
    {
      name: 'an OCSP staple',
      serve: () => ({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem, ocspStaple: Buffer.from('3003020100', 'hex') }),
    },
    {
      name: 'ChaCha20-Poly1305 chosen',
      serve: () => ({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem }),
      cipher: 'TLS_CHACHA20_POLY1305_SHA256',
    },
    {
      name: 'AES-128-GCM chosen',
      serve: () => ({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem }),
      cipher: 'TLS_AES_128_GCM_SHA256',
    },
  ];
  for (const c of plain) {
    test(`${c.name}: one connection, the same facts`, async () => {
      const server = c.cipher ? await suiteServer(c.serve(), c.cipher) : await counted(c.serve());
      const { full, light, connections } = await both(server.port, server.accepted);
      assert.equal(light.status, 'completed');
      assert.deepEqual(light, full);
      if (c.cipher) assert.equal((light as { cipher?: string }).cipher, c.cipher);
      assert.equal(connections, 1, 'the flight read took it alone');
    });
  }

  test('a flight that arrives a byte at a time: the same facts, one connection', async () => {
    const s = await counted({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem });
    // between us and the server: everything the server sends goes on in one-byte writes
    const trickle = net.createServer((client) => {
      const up = net.connect(s.port, '127.0.0.1');
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
      client.on('close', () => up.destroy());
      up.on('close', () => client.destroy());
      client.pipe(up);
      up.on('data', (d: Buffer) => {
        up.pause();
        let i = 0;
        const next = () => {
          if (client.destroyed) return;
          if (i >= d.length) {
            up.resume();
            return;
          }
          client.write(d.subarray(i, ++i));
          setImmediate(next);
        };
        next();
      });
    });
    await new Promise<void>((r) => trickle.listen(0, '127.0.0.1', r));
    open.push({ port: 0, url: '', close: () => new Promise((r) => trickle.close(() => r())) });
    const port = (trickle.address() as net.AddressInfo).port;
    const full = facts(await handshake(options(s.port)));
    const before = s.accepted();
    const light = facts(await readFlight(options(port)));
    assert.equal(light.status, 'completed');
    assert.deepEqual(light, full);
    assert.equal(s.accepted() - before, 1, 'the flight read took it alone');
  });

  test('no SNI: the default certificate, one connection', async () => {
    const s = await counted({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem });
    const { full, light, connections } = await both(s.port, s.accepted, { servername: null });
    assert.deepEqual(light, full);
    assert.equal(connections, 1);
  });
});

describe('what the flight read hands to OpenSSL', () => {
  test('a TLS 1.2 server: handed over once, then remembered', async () => {
    const s = await counted({ certPem: ec.fullchainPem, keyPem: ec.leaf.keyPem, maxVersion: 'TLSv1.2' });
    const first = await both(s.port, s.accepted);
    assert.deepEqual(first.light, first.full);
    assert.equal((first.light as { protocol?: string }).protocol, 'TLSv1.2');
    assert.equal(first.connections, 2, 'the flight read, then the full handshake');
    const again = await both(s.port, s.accepted);
    assert.deepEqual(again.light, again.full);
    assert.equal(again.connections, 1, 'straight to the full handshake');
  });

  test('a client-certificate request: the full handshake judges it', async () => {
    const s = await counted({
      certPem: ec.fullchainPem,
      keyPem: ec.leaf.keyPem,
      clientCert: { ca: [ec.root.pem], rejectUnauthorized: false },
    });
    const { full, light, connections } = await both(s.port, s.accepted);
    assert.ok((full as { clientCertRequest?: unknown }).clientCertRequest, 'the fixture asks for a certificate');
    assert.deepEqual(light, full);
    assert.equal(connections, 2);
  });

  test('a HelloRetryRequest (the server wants P-256, we offer an X25519 share)', async () => {
    const server = tls.createServer({ cert: ec.fullchainPem, key: ec.leaf.keyPem, ecdhCurve: 'P-256' });
    let n = 0;
    server.on('connection', () => n++);
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    open.push({ port: 0, url: '', close: () => new Promise((r) => server.close(() => r())) });
    const { port } = server.address() as net.AddressInfo;
    const { full, light, connections } = await both(port, () => n);
    assert.equal(full.status, 'completed');
    assert.deepEqual(light, full);
    assert.equal(connections, 2);
  });

  test('plain HTTP where TLS was expected: the same not_tls', async () => {
    const s = await startPlainHttp();
    open.push(s);
    const full = facts(await handshake(options(s.port)));
    const light = facts(await readFlight(options(s.port)));
    assert.deepEqual(light, full);
    assert.equal((light as { code?: string }).code, 'not_tls');
  });

  test('a TLS 1.3 ServerHello, then bytes that do not decrypt: the same error as OpenSSL gives', async () => {
    const hello = serverHello({ tls13: true, cipherSuite: 0x1301, keyShare: Buffer.alloc(32, 9) });
    const reply = Buffer.concat([record(22, hello), record(23, Buffer.alloc(48, 0x5a))]);
    const s = await startRaw(reply);
    open.push(s);
    const full = facts(await handshake(options(s.port)));
    const light = facts(await readFlight(options(s.port)));
    assert.equal(full.status, 'error');
    assert.deepEqual(light, full);
  });

  test('a refused port: the same error, no second attempt needed', async () => {
    const port = await closedPort();
    const full = facts(await handshake(options(port)));
    const light = facts(await readFlight(options(port)));
    assert.deepEqual(light, full);
    assert.equal((light as { code?: string }).code, 'connection_refused');
  });

  test('a server that accepts and stays silent: handshake_timeout within the step timeout', async () => {
    const s = await startSilent();
    open.push(s);
    const t0 = performance.now();
    const light = await readFlight(options(s.port, { timeoutMs: 300 }));
    const ms = performance.now() - t0;
    assert.equal(light.status, 'error');
    assert.equal(light.status === 'error' && light.code, 'handshake_timeout');
    assert.ok(ms < 300 + 1500, `took ${ms.toFixed(0)} ms`);
  });
});

/** startTlsServer has no TLS 1.3 suite option: the same server with one suite. */
async function suiteServer(opts: TlsServerOptions, suite: string): Promise<{ port: number; accepted: () => number }> {
  const server = tls.createServer({
    cert: opts.certPem,
    key: opts.keyPem,
    ciphers: suite,
    ALPNProtocols: ['http/1.1'],
  });
  let n = 0;
  server.on('connection', () => n++);
  server.on('tlsClientError', () => {});
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ port: 0, url: '', close: () => new Promise((r) => server.close(() => r())) });
  return { port: (server.address() as net.AddressInfo).port, accepted: () => n };
}
