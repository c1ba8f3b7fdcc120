/**
 * Issue 10 "done when": a revoked leaf (the CRL lists it), a stapled "revoked" and a must-staple leaf served
 * without a staple are diagnosed from the CLI (compiled, exit code and --json codes), the shell bot and Slack
 * (the real Bolt app against the fake Slack). Servers, CRL and OCSP responder on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './support/cli-io.js';
import type { FakeCall } from './support/fake-slack.js';
import { type Chain, type Issued, makeChain } from './support/pki.js';
import {
  makeCrl,
  makeOcspResponse,
  type RevocationServer,
  revocationLeaf,
  startRevocationServer,
} from './support/revocation.js';
import { type Running, startTlsServer } from './support/servers.js';
import { driveShell } from './support/shell.js';
import { type Harness, startHarness } from './support/slack-harness.js';

const now = new Date();
const servers: Running[] = [];
let rev: RevocationServer;
let pki: Chain;
let inter: Issued;
let rootFile: string;
/** [case, server port, the code that must be critical on the leaf] */
const cases: { name: string; port: number; code: string }[] = [];

async function leafCert(id: string, over: { crl?: boolean; ocsp?: boolean; mustStaple?: boolean }) {
  return revocationLeaf(inter, rev, id, now, over);
}

async function serve(cert: Issued, staple?: Buffer): Promise<number> {
  const s = await startTlsServer({
    certPem: cert.pem + inter.pem,
    keyPem: cert.keyPem,
    ocspStaple: staple,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  });
  servers.push(s);
  return s.port;
}

before(async () => {
  rev = await startRevocationServer();
  pki = await makeChain({}, now);
  inter = pki.intermediates[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-rev-transports-'));
  rootFile = join(dir, 'root.pem');
  writeFileSync(rootFile, pki.root.pem);

  const revoked = await leafCert('revoked', { crl: true });
  rev.routes.set('/crl/revoked', {
    body: await makeCrl({ issuer: inter, revoked: [{ cert: revoked, reason: 'keyCompromise' }] }, now),
  });
  cases.push({ name: 'revoked (CRL)', port: await serve(revoked), code: 'cert_revoked' });

  const stapled = await leafCert('stapled', { ocsp: true });
  rev.routes.set('/ocsp/stapled', { body: makeOcspResponse({ cert: stapled, issuer: inter, status: 'revoked' }, now) });
  const staple = makeOcspResponse({ cert: stapled, issuer: inter, status: 'revoked', reason: 'keyCompromise' }, now);
  cases.push({ name: 'stapled revoked', port: await serve(stapled, staple), code: 'cert_revoked' });

  const mustStaple = await leafCert('muststaple', { ocsp: true, mustStaple: true });
  rev.routes.set('/ocsp/muststaple', {
    body: makeOcspResponse({ cert: mustStaple, issuer: inter, status: 'good' }, now),
  });
  cases.push({ name: 'must-staple, no staple', port: await serve(mustStaple), code: 'ocsp_must_staple_missing' });
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rev.close();
});

describe('CLI (compiled): exit 2 and the code on the leaf in --json', () => {
  for (const i of [0, 1, 2]) {
    test(`case ${i + 1}`, async () => {
      const c = cases[i]!;
      const r = await runCli([
        'check',
        `127.0.0.1:${c.port}`,
        '--allow',
        '127.0.0.0/8',
        '--ca',
        rootFile,
        '--timeout',
        '5000',
        '--json',
      ]);
      assert.equal(r.code, 2, `${c.name}: ${r.stdout}${r.stderr}`);
      const d = JSON.parse(r.stdout) as { findings: { code: string; certIndex: number; severity: string }[] };
      const f = d.findings.find((x) => x.code === c.code);
      assert.equal(f?.certIndex, 0, `${c.name}: ${d.findings.map((x) => x.code).join(' ')}`);
      assert.equal(f?.severity, 'critical');
      if (c.name === 'stapled revoked') {
        const src = (f as unknown as { params?: { source?: string } }).params?.source;
        assert.equal(src, 'staple');
      }
    });
  }
});

describe('shell bot', () => {
  test('each case shows its code, critical', async () => {
    const sh = driveShell({ extraCaPem: [pki.root.pem] });
    try {
      for (const c of cases) {
        const out = await sh.send(`/cert check 127.0.0.1:${c.port}`);
        assert.match(out, new RegExp(`CRITICAL[^\\n]*\\[${c.code}\\]`), `${c.name}:\n${out}`);
      }
      await sh.send('quit');
      await sh.session.done;
    } finally {
      await sh.end().catch(() => undefined);
    }
  });
});

describe('Slack', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ extraCaPem: [pki.root.pem] });
  });
  after(() => h.close());
  const ids = (c: FakeCall): string[] =>
    ((c.args.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id ?? '');

  test('each case: a critical verdict and the finding block on the leaf in the thread', async () => {
    for (const [i, c] of cases.entries()) {
      const channel = `C-rev-${i}`;
      await h.req.command({ text: `check 127.0.0.1:${c.port}`, channel });
      const posted = await h.fake.waitFor('chat.postMessage', (x) => x.args.channel === channel && !x.args.thread_ts);
      const ts = String(posted.response.ts);
      await h.fake.waitFor('chat.update', (x) => x.args.ts === ts && ids(x).includes('verdict:critical'), 10_000);
      const thread = await h.fake.waitFor(
        'chat.postMessage',
        (x) => x.args.thread_ts === ts && ids(x).includes(`finding:${c.code}:0`),
        10_000,
      );
      assert.ok(thread, c.name);
    }
  });
});
