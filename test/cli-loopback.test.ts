import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli-io.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const HSTS = { 'Strict-Transport-Security': 'max-age=63072000; includeSubDomains' };
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-cli-loopback-'));
const servers: Running[] = [];
let healthy: { port: number; rootPem: string };
let expired: { port: number; rootPem: string };

async function serve(chain: Chain, name: string): Promise<{ port: number; rootPem: string }> {
  const server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem, headers: HSTS });
  servers.push(server);
  const rootPem = join(dir, `${name}-root.pem`);
  writeFileSync(rootPem, chain.root.pem);
  return { port: server.port, rootPem };
}

before(async () => {
  const now = Date.now();
  healthy = await serve(await makeChain(), 'healthy');
  const leaf = { notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - 2 * DAY) };
  expired = await serve(await makeChain({ leaf }), 'expired');
});

after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function args(port: number, rootPem: string, ...extra: string[]): string[] {
  return ['check', `127.0.0.1:${port}`, '--allow', '127.0.0.0/8', '--ca', rootPem, '--timeout', '5000', ...extra];
}

test('a healthy chain exits 0 with an OK headline', async () => {
  const r = await runCli(args(healthy.port, healthy.rootPem));
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /^OK /);
});

test('an expired leaf exits 2 and --json names cert_expired on the leaf', async () => {
  const r = await runCli(args(expired.port, expired.rootPem, '--json'));
  assert.equal(r.code, 2, r.stdout);
  const d = JSON.parse(r.stdout);
  assert.equal(d.verdict, 'critical');
  const codes = d.findings.map((f: { code: string; certIndex: number }) => [f.code, f.certIndex]);
  assert.ok(
    codes.some(([code, index]: [string, number]) => code === 'cert_expired' && index === 0),
    r.stdout,
  );
});

test('--json for a healthy chain has findings[] and the built chain', async () => {
  const r = await runCli(args(healthy.port, healthy.rootPem, '--json'));
  assert.equal(r.code, 0, r.stdout);
  const d = JSON.parse(r.stdout);
  assert.ok(Array.isArray(d.findings));
  assert.equal(d.chain.built.status, 'completed');
  assert.equal(d.chain.built.trusted, true);
});

test('without --allow the loopback target is refused as address_blocked', async () => {
  const r = await runCli(['check', `127.0.0.1:${healthy.port}`, '--json']);
  const d = JSON.parse(r.stdout);
  assert.ok(
    d.findings.some((f: { code: string }) => f.code === 'address_blocked'),
    r.stdout,
  );
  assert.notEqual(r.code, 0);
});

test('colour on a TTY, none with NO_COLOR or when piped', async () => {
  const a = args(expired.port, expired.rootPem);
  assert.ok((await runCli(a, { tty: true })).stdout.includes('\u001b['));
  assert.ok(!(await runCli(a, { tty: true, env: { NO_COLOR: '1' } })).stdout.includes('\u001b'));
  assert.ok(!(await runCli(a)).stdout.includes('\u001b'));
});
