/**
 * Issue 6 (probe side): the protocol scan and the HTTP request run for every address, concurrently, and the
 * top-level report.protocols/http stay the primary's; HTTP-level checks run on any port (the request
 * rides the main handshake's connection); --http/--no-http override the choice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type tls from 'node:tls';
import { check } from '../src/check.js';
import { planHttp } from '../src/probe/http-plan.js';
import { parseTarget } from '../src/probe/target.js';
import type { OpenHandshake } from '../src/probe/tls.js';
import type { Attempt, HandshakeResult, ProtocolSupport } from '../src/probe/types.js';
import { runCli } from './support/cli-io.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer, type TlsServerOptions } from './support/servers.js';

const now = new Date();
const open: Running[] = [];
let chain: Chain;
before(async () => {
  chain = await makeChain({}, now);
});
after(() => Promise.all(open.map((s) => s.close())));

async function serve(opts: Partial<TlsServerOptions>): Promise<Running> {
  const s = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
    ...opts,
  });
  open.push(s);
  return s;
}

function run(input: string, addresses: string[], extra: Record<string, unknown> = {}) {
  return check(input, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 5_000,
    lookup: async () => addresses.map((address) => ({ address, family: 4 as const })),
    ...extra,
  });
}

const versionsOf = (scan: Attempt<ProtocolSupport> | undefined) =>
  scan?.status === 'completed'
    ? Object.entries(scan.result)
        .filter(([, a]) => a.status === 'completed' && a.result)
        .map(([v]) => v)
    : scan?.status;

test('two addresses: each gets its own scan and HTTP request; the top level is the primary', async () => {
  const a = await serve({ host: '127.0.0.1' });
  await serve({
    host: '127.0.0.2',
    port: a.port,
    maxVersion: 'TLSv1.2',
    date: new Date(+now + 2 * 3600_000).toUTCString(),
  });
  const d = await run(`https://localhost:${a.port}/`, ['127.0.0.1', '127.0.0.2']);
  const [one, two] = d.report.endpoints;
  assert.deepEqual(versionsOf(one?.protocols), ['TLSv1.2', 'TLSv1.3']);
  assert.deepEqual(versionsOf(two?.protocols), ['TLSv1.2']);
  assert.equal(one?.http?.status, 'completed');
  assert.equal(two?.http?.status, 'completed');
  const skewed = two?.http?.status === 'completed' ? Date.parse(two.http.result.date ?? '') : Number.NaN;
  assert.ok(skewed - now.getTime() > 3600_000, 'the second address reports its own clock');
  assert.deepEqual(d.report.protocols, one?.protocols);
  assert.deepEqual(d.report.http, one?.http);
});

test('a non-standard port (tls target): the HTTP request rides the main connection; --no-http skips it', async () => {
  const date = new Date(+now + 2 * 3600_000).toUTCString();
  const s = await serve({ date });
  const d = await run(`localhost:${s.port}`, ['127.0.0.1']);
  assert.equal(d.report.target.protocol, 'tls');
  // clock_skew itself applies to tls targets once the rules judge HTTP on any port (issue 6, rules side)
  assert.equal(d.report.http.status === 'completed' && d.report.http.result.date, date);
  const off = await run(`localhost:${s.port}`, ['127.0.0.1'], { http: 'off' });
  assert.equal(off.report.http.status, 'skipped');
});

const hs = (over: Partial<HandshakeResult>): OpenHandshake => ({
  attempt: {
    status: 'completed',
    result: {
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_128_GCM_SHA256',
      alpn: null,
      sentChain: [],
      ocspStaple: null,
      timings: { connectMs: 1, tlsMs: 1 },
      ...over,
    },
  },
  // planHttp only checks that a connection is there; it never touches it
  socket: {} as tls.TLSSocket,
});

const plans: { input: string; main: OpenHandshake; mode?: 'auto' | 'on' | 'off'; send: boolean; why?: RegExp }[] = [
  { input: 'https://example.com/', main: hs({}), send: true },
  { input: 'example.com:8473', main: hs({}), send: true },
  { input: 'imaps://mail.example.com', main: hs({}), send: false, why: /IMAPS/ },
  { input: 'imaps://mail.example.com', main: hs({ alpn: 'http/1.1' }), send: true },
  { input: 'imaps://mail.example.com', main: hs({}), mode: 'on', send: true },
  { input: 'https://example.com/', main: hs({}), mode: 'off', send: false, why: /--no-http/ },
  { input: 'smtp://mail.example.com', main: hs({}), mode: 'on', send: false, why: /STARTTLS/ },
  { input: 'https://example.com/', main: hs({ protocol: 'TLSv1', cipher: 'AES128-SHA' }), send: false, why: /TLSv1/ },
  { input: 'https://example.com/', main: hs({ protocol: 'TLSv1.2', cipher: 'DES-CBC3-SHA' }), send: false },
  {
    input: 'https://example.com/',
    main: hs({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' }),
    send: true,
  },
];
for (const p of plans) {
  const main = p.main.attempt.status === 'completed' ? p.main.attempt.result : null;
  test(`planHttp: ${p.input} ${p.mode ?? 'auto'} ${main?.protocol} ${main?.cipher} alpn ${main?.alpn} → ${p.send ? 'send' : 'no request'}`, () => {
    const plan = planHttp(parseTarget(p.input), p.main, p.mode ?? 'auto');
    assert.equal(plan.send, p.send);
    if (!plan.send && p.why) {
      const o = plan.outcome;
      assert.match(o.status === 'skipped' ? o.why : o.status === 'error' ? o.error : '', p.why);
    }
  });
}

test('CLI: --no-http reaches the probe (JSON http step skipped); --http with --no-http is a usage error', async () => {
  const s = await serve({});
  const ca = join(mkdtempSync(join(tmpdir(), 'cert-doctor-http-')), 'root.pem');
  writeFileSync(ca, chain.root.pem);
  const base = ['check', `https://localhost:${s.port}/`, '--allow', '127.0.0.0/8', '--ca', ca, '--json'];
  const off = await runCli([...base, '--no-http']);
  assert.equal((JSON.parse(off.stdout) as { http: { status: string } }).http.status, 'skipped', off.stderr);
  const both = await runCli([...base, '--http', '--no-http']);
  assert.equal(both.code, 3);
  assert.match(both.stderr, /^cert-doctor: --http and --no-http contradict each other; give one\n$/);
});
