import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SecureVersion } from 'node:tls';
import { scanProtocols } from '../src/probe/protocols.js';
import type { Attempt, TlsVersion } from '../src/probe/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startSilent, startTlsServer } from './support/servers.js';

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
