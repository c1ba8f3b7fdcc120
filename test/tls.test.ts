import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type net from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { isMalformed } from '../src/probe/certinfo.js';
import { handshake, libraryChain } from '../src/probe/tls.js';
import type { Attempt, HandshakeResult, SentCert } from '../src/probe/types.js';
import { type Chain, type Issued, makeCert, makeChain, pemOf } from './support/pki.js';
import {
  closedPort,
  type Running,
  startPlainHttp,
  startRaw,
  startResetting,
  startSilent,
  startTlsServer,
  startTrickle,
} from './support/servers.js';
import { certificate12, message, record, serverHello } from './support/tls-bytes.js';

const LOCAL = '127.0.0.1';
let chain: Chain;
let unrelated: Issued;
const servers: Running[] = [];

before(async () => {
  chain = await makeChain({ intermediates: [{}, {}] });
  unrelated = await makeCert({ subject: 'CN=Unrelated CA', ca: true });
});
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(opts: Parameters<typeof startTlsServer>[0]): Promise<number> {
  const s = await startTlsServer(opts);
  servers.push(s);
  return s.port;
}

function completed(a: Attempt<HandshakeResult>): HandshakeResult {
  assert.equal(a.status, 'completed', a.status === 'error' ? `${a.code}: ${a.error}` : a.status);
  return (a as { result: HandshakeResult }).result;
}

function fingerprints(sent: SentCert[]): string[] {
  return sent.map((c) => (isMalformed(c) ? `malformed:${c.der}` : c.sha256));
}

async function timed<T>(p: Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const out = await p;
  return [out, performance.now() - start];
}

for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
  test(`${version}: the chain comes back exactly as sent, misordered and with an unrelated cert`, async () => {
    const [inter1, inter2] = chain.intermediates;
    const sent = [chain.leaf, unrelated, inter2!, chain.root, inter1!];
    const port = await serve({
      certPem: pemOf(...sent),
      keyPem: chain.leaf.keyPem,
      maxVersion: version,
      minVersion: version,
    });
    const result = completed(await handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: 3000 }));
    assert.equal(result.protocol, version);
    assert.equal(result.sentChainSource, 'wire');
    assert.deepEqual(
      fingerprints(result.sentChain),
      sent.map((c) => c.info.sha256),
    );
    assert.ok(result.timings.connectMs !== null && result.timings.tlsMs !== null);
    assert.equal(result.ocspStaple, null);
  });
}

test('an OCSP staple is returned as base64, for TLS 1.2 and 1.3', async () => {
  const staple = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x00]);
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    const port = await serve({
      certPem: chain.fullchainPem,
      keyPem: chain.leaf.keyPem,
      ocspStaple: staple,
      maxVersion: version,
    });
    const result = completed(await handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: 3000 }));
    assert.equal(result.ocspStaple, staple.toString('base64'), version);
  }
});

test('SNI selects the certificate; without SNI the default one is served', async () => {
  const other = await makeChain({ leaf: { subject: 'CN=a.test', dnsNames: ['a.test'] } });
  const port = await serve({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    sniCerts: { 'a.test': { certPem: other.fullchainPem, keyPem: other.leaf.keyPem } },
  });
  const withSni = completed(await handshake({ address: LOCAL, port, servername: 'a.test', timeoutMs: 3000 }));
  const without = completed(await handshake({ address: LOCAL, port, servername: null, timeoutMs: 3000 }));
  assert.equal(fingerprints(withSni.sentChain)[0], other.leaf.info.sha256);
  assert.equal(fingerprints(without.sentChain)[0], chain.leaf.info.sha256);
});

test('ALPN is reported, and chain extraction can be skipped', async () => {
  const port = await serve({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  const result = completed(
    await handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: 3000, chain: false }),
  );
  assert.equal(result.alpn, 'http/1.1');
  assert.deepEqual(result.sentChain, []);
});

test('a 200-certificate chain ends in a result or a typed error within the deadline', async () => {
  const padding = await Promise.all(Array.from({ length: 10 }, (_, i) => makeCert({ subject: `CN=Pad ${i}` })));
  const sent = [chain.leaf, ...Array.from({ length: 199 }, (_, i) => padding[i % padding.length]!)];
  const port = await serve({ certPem: pemOf(...sent), keyPem: chain.leaf.keyPem });
  const [full, ms] = await timed(handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: 5000 }));
  assert.ok(ms < 5500);
  if (full.status === 'completed') assert.equal(full.result.sentChain.length, 200);
  else assert.ok(['too_large', 'handshake_failed'].includes(full.status === 'error' ? full.code : ''));
  const capped = await handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: 5000, maxBytes: 16_384 });
  assert.equal(capped.status === 'error' && capped.code, 'too_large');
});

const TIMEOUT = 400;
const MARGIN = 1500; // a ceiling proving the deadline holds, loose enough for a loaded CI machine

const failures: { name: string; start: () => Promise<number>; code: string; maxMs?: number }[] = [
  { name: 'plain HTTP port', start: async () => track(await startPlainHttp()), code: 'not_tls' },
  {
    name: 'SSH banner',
    start: async () => track(await startRaw(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))),
    code: 'not_tls',
  },
  { name: 'closed port', start: closedPort, code: 'connection_refused' },
  {
    name: 'silent listener',
    start: async () => track(await startSilent()),
    code: 'handshake_timeout',
    maxMs: TIMEOUT + MARGIN,
  },
  { name: 'reset mid-handshake', start: async () => track(await startResetting()), code: 'connection_reset' },
  {
    name: 'trickling ServerHello',
    start: async () => track(await startTrickle(50)),
    code: 'handshake_timeout',
    maxMs: TIMEOUT + MARGIN,
  },
  {
    name: 'hand-made TLS 1.2 flight with a malformed certificate',
    start: async () => {
      const flight = Buffer.concat([
        serverHello(),
        certificate12([Buffer.from([0x30, 0x03, 1, 2, 3])]),
        message(14, Buffer.alloc(0)),
      ]);
      return track(await startRaw(record(22, flight)));
    },
    code: 'handshake_failed',
  },
  {
    name: 'alert in place of a ServerHello',
    start: async () => track(await startRaw(record(21, Buffer.from([2, 40])))),
    code: 'handshake_failed',
  },
];

function track(s: Running): number {
  servers.push(s);
  return s.port;
}

for (const c of failures) {
  test(`${c.name} → ${c.code}`, async () => {
    const port = await c.start();
    const [out, ms] = await timed(handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: TIMEOUT }));
    assert.equal(out.status === 'error' && out.code, c.code, JSON.stringify(out));
    assert.ok(ms < (c.maxMs ?? TIMEOUT + MARGIN), `took ${ms} ms`);
  });
}

test('an aborted signal ends the attempt as a timeout, at once (accepted, then silent: handshake_timeout)', async () => {
  const port = track(await startSilent());
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const [out, ms] = await timed(
    handshake({ address: LOCAL, port, servername: null, timeoutMs: 5000, signal: ac.signal }),
  );
  assert.equal(out.status === 'error' && out.code, 'handshake_timeout');
  assert.ok(ms < 1000);
});

test('a host name instead of an address is refused without any lookup', async () => {
  const out = await handshake({ address: 'localhost', port: 443, servername: 'localhost', timeoutMs: 1000 });
  assert.equal(out.status === 'error' && out.code, 'bug');
});

const tls13Variants: [string, tls.TlsOptions][] = [
  ['after a HelloRetryRequest (server insists on P-384)', { ecdhCurve: 'P-384' }],
  ['with a CertificateRequest in the encrypted flight', { requestCert: true, rejectUnauthorized: false }],
];

for (const [name, extra] of tls13Variants) {
  test(`TLS 1.3 ${name}: the chain is still read from the wire`, async () => {
    const [inter1, inter2] = chain.intermediates;
    const sent = [chain.leaf, inter2!, inter1!];
    const server = tls.createServer({ cert: pemOf(...sent), key: chain.leaf.keyPem, minVersion: 'TLSv1.3', ...extra });
    server.on('tlsClientError', () => {});
    server.on('secureConnection', (s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, LOCAL, r));
    try {
      const { port } = server.address() as net.AddressInfo;
      const result = completed(await handshake({ address: LOCAL, port, servername: 'localhost', timeoutMs: 3000 }));
      assert.equal(result.sentChainSource, 'wire');
      assert.deepEqual(
        fingerprints(result.sentChain),
        sent.map((c) => c.info.sha256),
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
}

test('the fallback chain from the TLS library starts at the leaf, ends, and holds only sent certs', async () => {
  const [inter1, inter2] = chain.intermediates;
  const sent = [chain.leaf, inter2!, chain.root, inter1!];
  const port = await serve({ certPem: pemOf(...sent), keyPem: chain.leaf.keyPem });
  const sock = tls.connect({ host: LOCAL, port, servername: 'localhost', rejectUnauthorized: false });
  await once(sock, 'secureConnect');
  const got = libraryChain(sock.getPeerCertificate(true)).map((d) => createHash('sha256').update(d).digest('hex'));
  sock.destroy();
  // Node re-orders and may drop certificates (here it stops early): why the wire is read instead.
  assert.equal(got[0], chain.leaf.info.sha256);
  assert.ok(got.length >= 1 && got.length <= sent.length);
  const sentHashes = sent.map((c) => c.info.sha256);
  assert.ok(got.every((h) => sentHashes.includes(h)));
  assert.equal(new Set(got).size, got.length);
});
