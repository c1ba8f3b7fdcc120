/**
 * `inspect --crl FILE` and `--ocsp-response FILE` (issue 10 item 1): revocation judged offline against the files
 * given, through the real CLI; without them revocation is not evaluated (a file has no connection to fetch over).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli-io.js';
import { type Chain, makeChain } from './support/pki.js';
import { makeCrl, makeOcspResponse } from './support/revocation.js';

const now = new Date();
let dir: string;
let chain: Chain;
const f = (name: string) => join(dir, name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cert-doctor-inspect-rev-'));
  chain = await makeChain({}, now);
  const inter = chain.intermediates[0]!;
  writeFileSync(f('fullchain.pem'), chain.fullchainPem);
  writeFileSync(f('root.pem'), chain.root.pem);
  writeFileSync(
    f('revoked.crl'),
    await makeCrl({ issuer: inter, revoked: [{ cert: chain.leaf, reason: 'keyCompromise' }] }, now),
  );
  writeFileSync(f('empty.crl'), await makeCrl({ issuer: inter, revoked: [] }, now));
  writeFileSync(f('good.ocsp'), makeOcspResponse({ cert: chain.leaf, issuer: inter, status: 'good' }, now));
  writeFileSync(f('revoked.ocsp'), makeOcspResponse({ cert: chain.leaf, issuer: inter, status: 'revoked' }, now));
});

after(() => rmSync(dir, { recursive: true, force: true }));

async function inspect(...extra: string[]) {
  const r = await runCli([
    'inspect',
    f('fullchain.pem'),
    '--ca',
    f('root.pem'),
    '--no-default-ca',
    '--no-aia',
    '--json',
    ...extra,
  ]);
  const d = JSON.parse(r.stdout) as {
    verdict: string;
    findings: { code: string; certIndex: number }[];
    results: { code: string; status: string }[];
  };
  return { exit: r.code, d, codes: d.findings.map((x) => `${x.code}@${x.certIndex}`) };
}

test('a CRL that lists the leaf: cert_revoked on the leaf, critical, exit 2', async () => {
  const r = await inspect('--crl', f('revoked.crl'));
  assert.ok(r.codes.includes('cert_revoked@0'), r.codes.join());
  assert.equal(r.d.verdict, 'critical');
  assert.equal(r.exit, 2);
});

test('an OCSP response that says revoked: cert_revoked; one that says good with an empty CRL: no cert_revoked', async () => {
  assert.ok((await inspect('--ocsp-response', f('revoked.ocsp'))).codes.includes('cert_revoked@0'));
  const good = await inspect('--ocsp-response', f('good.ocsp'), '--crl', f('empty.crl'));
  assert.ok(!good.codes.some((c) => c.startsWith('cert_revoked')), good.codes.join());
  assert.equal(good.d.results.find((x) => x.code === 'cert_revoked')?.status, 'pass');
});

test('without --crl / --ocsp-response revocation is not evaluated, and stapling rules do not apply to a file', async () => {
  const r = await inspect();
  assert.equal(r.d.results.find((x) => x.code === 'cert_revoked')?.status, 'not_evaluated');
  assert.equal(r.d.results.find((x) => x.code === 'ocsp_must_staple_missing')?.status, 'not_applicable');
  assert.equal(r.exit, 0);
});
