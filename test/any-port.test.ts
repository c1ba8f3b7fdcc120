/**
 * A server on a non-standard port (a `tls` target: no scheme, port not a known HTTPS port) whose clock is two
 * hours ahead. HTTP-level rules apply to it: they either judge the response or say why they could not, in the
 * results and in `-v`; they are never silently "not applicable". Sending the HTTP request over the verified
 * handshake on any port (src/probe/http-plan.ts) is what makes clock_skew fire here.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { check } from '../src/check.js';
import { renderText } from '../src/render/text.js';
import type { Diagnosis } from '../src/rules/types.js';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const now = new Date();
let server: Running;
let d: Diagnosis;
let chainRootPem: string;

before(async () => {
  const chain = await makeChain({}, now);
  chainRootPem = chain.root.pem;
  server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    date: new Date(now.getTime() + 2 * 3_600_000).toUTCString(),
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  });
  d = await check(`127.0.0.1:${server.port}`, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 5_000,
  });
});

after(() => server.close());

test('on any port the HTTP rules are judged: clock_skew fails, hsts_missing passes on the HSTS header', () => {
  assert.equal(d.target.protocol, 'tls');
  assert.equal(d.results.find((x) => x.code === 'clock_skew')?.status, 'fail');
  assert.equal(d.results.find((x) => x.code === 'hsts_missing')?.status, 'pass');
});

test('with --no-http the HTTP rules are listed as not checked, with the reason', async () => {
  const off = await check(`127.0.0.1:${server.port}`, {
    now: () => now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [chainRootPem],
    timeoutMs: 5_000,
    http: 'off',
  });
  const text = renderText(off, { color: false, verbose: true });
  for (const code of ['clock_skew', 'hsts_missing']) {
    const r = off.results.find((x) => x.code === code);
    assert.equal(r?.status, 'not_evaluated', code);
    assert.ok((r.why ?? '').length > 0, code);
    assert.ok(
      text.split('\n').some((l) => l.startsWith('not checked:') && l.includes(code)),
      text,
    );
  }
});

test('on any port a server two hours ahead gets clock_skew', () => {
  assert.ok(
    d.findings.some((f) => f.code === 'clock_skew'),
    d.findings.map((f) => f.code).join(),
  );
});
