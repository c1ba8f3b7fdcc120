/**
 * Issue 12: how many TCP connections and full TLS handshakes one check costs, counted by the server
 * (accepts and secureConnections), so a regression shows. Before: 7 connections and 5 full handshakes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { check } from '../src/check.js';
import { flightReadCounts } from '../src/probe/flight-read.js';
import { stepsFor } from '../src/probe/profile.js';
import type { Attempt, ProtocolSupport } from '../src/probe/types.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer, type TlsServerOptions } from './support/servers.js';

let chain: Chain;
const open: Running[] = [];
before(async () => {
  chain = await makeChain();
});
after(() => Promise.all(open.map((s) => s.close())));

interface Counted {
  port: number;
  counts: () => { accepts: number; handshakes: number; requests: number };
}

async function countingServer(extra: Partial<TlsServerOptions> = {}): Promise<Counted> {
  const s = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
    ...extra,
  });
  open.push(s);
  let accepts = 0;
  let handshakes = 0;
  let requests = 0;
  s.server.on('connection', () => accepts++);
  // A full handshake is one where the server derived application keys: TLS 1.3 SERVER_TRAFFIC_SECRET_0 (after
  // its Finished), TLS 1.2 the master secret (after our key exchange). 'secureConnection' would miss the
  // no-SNI handshake, which closes right after its own Finished is written.
  s.server.on('keylog', (line: Buffer) => {
    if (/^(SERVER_TRAFFIC_SECRET_0|CLIENT_RANDOM) /.test(line.toString('latin1'))) handshakes++;
  });
  s.server.on('secureConnection', (sock) => {
    sock.on('data', (d: Buffer) => {
      if (d.toString('latin1').startsWith('GET / ')) requests++;
    });
  });
  return { port: s.port, counts: () => ({ accepts, handshakes, requests }) };
}

const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];

function run(port: number, extra: Parameters<typeof check>[1] extends infer O ? Partial<O> : never = {}) {
  return check(`https://localhost:${port}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 5_000,
    lookup,
    ...extra,
  });
}

/** The server's own log is complete once its sockets have closed; give the last close a moment. */
async function settled(c: Counted) {
  await new Promise((r) => setTimeout(r, 100));
  return c.counts();
}

function versions(d: Diagnosis): Record<string, boolean | string> {
  const scan = d.report.protocols as Attempt<ProtocolSupport>;
  assert.equal(scan.status, 'completed');
  if (scan.status !== 'completed') return {};
  return Object.fromEntries(
    Object.entries(scan.result).map(([v, a]) => [v, a.status === 'completed' ? a.result : a.status]),
  );
}

test('full check of a TLS 1.3 server: 5 connections, 2 full handshakes, the GET on the main one', async () => {
  const server = await countingServer();
  const d = await run(server.port);
  assert.deepEqual(
    d.findings.filter((f) => f.severity !== 'info').map((f) => f.code),
    [],
  );
  assert.equal(d.report.http.status, 'completed', JSON.stringify(d.report.http));
  assert.deepEqual(versions(d), { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
  // main (SNI, carries the GET) + no-SNI + ClientHello probes for TLS 1.0, 1.1, 1.2
  assert.deepEqual(await settled(server), { accepts: 5, handshakes: 2, requests: 1 });
});

test('a TLS 1.2-only server: TLS 1.3 is probed too (6 connections), still 2 full handshakes', async () => {
  const server = await countingServer({ maxVersion: 'TLSv1.2' });
  const d = await run(server.port);
  assert.deepEqual(versions(d), { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': false });
  assert.deepEqual(await settled(server), { accepts: 6, handshakes: 2, requests: 1 });
});

test('sweep profile: the first check of a target is full, the next one is 1 connection and 1 handshake', async () => {
  const server = await countingServer();
  const first = await run(server.port, { profile: 'sweep' });
  assert.equal(first.report.protocols.status, 'completed');
  assert.deepEqual(await settled(server), { accepts: 5, handshakes: 2, requests: 1 });
  const second = await run(server.port, { profile: 'sweep' });
  assert.equal(second.report.protocols.status, 'skipped');
  assert.equal(second.report.endpoints[0]?.noSni.status, 'skipped');
  assert.equal(second.report.http.status, 'completed');
  assert.deepEqual(await settled(server), { accepts: 6, handshakes: 3, requests: 2 });
});

test('light profile (the scheduler decides when a full check is due): always 1 connection, 1 handshake, no request', async () => {
  const server = await countingServer();
  for (let i = 0; i < 2; i++) {
    const d = await run(server.port, { profile: 'light' });
    assert.equal(d.report.protocols.status, 'skipped');
    assert.equal(d.report.endpoints[0]?.noSni.status, 'skipped');
    assert.equal(d.report.http.status, 'skipped');
    assert.equal(d.results.find((r) => r.code === 'hsts_missing')?.status, 'not_evaluated');
  }
  assert.deepEqual(await settled(server), { accepts: 2, handshakes: 2, requests: 0 });
});

test("flight reads: a light check's handshake and a sweep's no-SNI one; never an interactive check's", async () => {
  const server = await countingServer();
  const reads = () => flightReadCounts().read;
  let before = reads();
  await run(server.port, { profile: 'light', lane: 'sweep' });
  assert.equal(reads() - before, 1, 'the light check read the flight');
  before = reads();
  const full = await run(server.port, { profile: 'full', lane: 'sweep' });
  assert.equal(reads() - before, 1, "a sweep's full check: the no-SNI handshake");
  assert.equal(full.report.endpoints[0]?.noSni.status, 'completed');
  assert.equal(full.report.http.status, 'completed');
  before = reads();
  await run(server.port);
  assert.equal(reads() - before, 0, 'an interactive check runs OpenSSL throughout');
  // light: 1 connection; full: main (with the GET) + no-SNI + 3 version probes, twice
  assert.deepEqual(await settled(server), { accepts: 11, handshakes: 5, requests: 2 });
});

test('--no-http: no request, the step says why', async () => {
  const server = await countingServer();
  const d = await run(server.port, { http: 'off' });
  assert.equal(d.report.http.status, 'skipped');
  assert.deepEqual(await settled(server), { accepts: 5, handshakes: 2, requests: 0 });
});

test('sweep profile: the scan and the no-SNI handshake come back every Nth check of a target, per target', () => {
  const seq = (key: string) => Array.from({ length: 7 }, () => stepsFor('sweep', key, 3).scan);
  assert.deepEqual(seq('a'), [true, false, false, true, false, false, true]);
  assert.deepEqual(seq('b'), [true, false, false, true, false, false, true]);
  const off = stepsFor('sweep', 'a', 3);
  assert.equal(off.noSni, false);
  assert.match(off.skippedWhy, /once every 3 checks/);
  assert.deepEqual(stepsFor('full', 'a', 3), { scan: true, noSni: true, skippedWhy: '' });
});
