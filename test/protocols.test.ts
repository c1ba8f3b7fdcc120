import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SecureVersion } from 'node:tls';
import { clientHello, probeVersion } from '../src/probe/client-hello.js';
import { scanProtocols } from '../src/probe/protocols.js';
import type { Attempt, TlsVersion } from '../src/probe/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startRaw, startResetting, startSilent, startTlsServer } from './support/servers.js';
import { record, serverHello } from './support/tls-bytes.js';

let chain: Chain;
const servers: Running[] = [];
before(async () => {
  chain = await makeChain();
});
after(() => Promise.all(servers.map((s) => s.close())));

function summary(result: Record<TlsVersion, Attempt<boolean>>): Record<string, boolean | string> {
  return Object.fromEntries(
    Object.entries(result).map(([v, a]) => [
      v,
      a.status === 'completed' ? a.result : a.status === 'error' ? a.code : 'skipped',
    ]),
  );
}

const cases: { name: string; min: SecureVersion; max: SecureVersion; want: Record<TlsVersion, boolean> }[] = [
  {
    name: 'legacy-only server (TLS 1.0–1.1)',
    min: 'TLSv1',
    max: 'TLSv1.1',
    want: { TLSv1: true, 'TLSv1.1': true, 'TLSv1.2': false, 'TLSv1.3': false },
  },
  {
    name: 'modern server (TLS 1.2–1.3)',
    min: 'TLSv1.2',
    max: 'TLSv1.3',
    want: { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true },
  },
  {
    name: 'TLS 1.3 only',
    min: 'TLSv1.3',
    max: 'TLSv1.3',
    want: { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': true },
  },
];

for (const c of cases) {
  test(`scanProtocols: ${c.name}`, async () => {
    const server = await startTlsServer({
      certPem: chain.fullchainPem,
      keyPem: chain.leaf.keyPem,
      minVersion: c.min,
      maxVersion: c.max,
    });
    servers.push(server);
    const out = await scanProtocols({
      address: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      timeoutMs: 3000,
    });
    assert.equal(out.status, 'completed');
    assert.deepEqual(summary((out as { result: Record<TlsVersion, Attempt<boolean>> }).result), c.want);
  });
}

test('scanProtocols: a silent port gives transport errors per version, not "unsupported"', async () => {
  const server = await startSilent();
  servers.push(server);
  const start = performance.now();
  const out = await scanProtocols({ address: '127.0.0.1', port: server.port, servername: null, timeoutMs: 1000 });
  // one after another the four versions would take 4 s
  assert.ok(performance.now() - start < 2500, 'versions run concurrently');
  assert.equal(out.status, 'completed');
  assert.deepEqual(summary((out as { result: Record<TlsVersion, Attempt<boolean>> }).result), {
    TLSv1: 'handshake_timeout',
    'TLSv1.1': 'handshake_timeout',
    'TLSv1.2': 'handshake_timeout',
    'TLSv1.3': 'handshake_timeout',
  });
});

test('clientHello: OpenSSL writes one handshake record offering exactly the version asked for', async () => {
  for (const [version, legacyVersion] of [
    ['TLSv1', 0x0301],
    ['TLSv1.1', 0x0302],
    ['TLSv1.2', 0x0303],
    ['TLSv1.3', 0x0303],
  ] as const) {
    const hello = await clientHello(version, 'example.test', ['h2', 'http/1.1']);
    assert.equal(hello[0], 22, 'handshake record');
    assert.equal(hello.length, 5 + hello.readUInt16BE(3), 'exactly one record');
    assert.equal(hello[5], 1, 'ClientHello');
    assert.equal(hello.readUInt16BE(9), legacyVersion, `${version} legacy_version`);
    assert.ok(hello.includes(Buffer.from('example.test')), 'SNI');
    // supported_versions (43) listing only 0x0304 appears exactly when TLS 1.3 is offered
    assert.equal(hello.includes(Buffer.from([0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04])), version === 'TLSv1.3');
  }
});

const answers: { name: string; start: () => Promise<Running>; want: string }[] = [
  { name: 'an alert', start: () => startRaw(record(21, Buffer.from([2, 70]))), want: 'false' },
  { name: 'a ServerHello for TLS 1.2', start: () => startRaw(record(22, serverHello())), want: 'true' },
  {
    name: 'a ServerHello selecting TLS 1.3',
    start: () => startRaw(record(22, serverHello({ tls13: true }))),
    want: 'false',
  },
  { name: 'an SSH banner', start: () => startRaw(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')), want: 'not_tls' },
  { name: 'a reset', start: startResetting, want: 'connection_reset' },
];
for (const c of answers) {
  test(`probeVersion TLSv1.2 against ${c.name} → ${c.want}`, async () => {
    const server = await c.start();
    servers.push(server);
    const out = await probeVersion({
      address: '127.0.0.1',
      port: server.port,
      servername: 'localhost',
      version: 'TLSv1.2',
      timeoutMs: 2000,
    });
    assert.equal(
      out.status === 'completed' ? String(out.result) : out.status === 'error' ? out.code : 'skipped',
      c.want,
    );
  });
}
