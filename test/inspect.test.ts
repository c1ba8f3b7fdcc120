/**
 * `cert-doctor inspect` through the real CLI entry point (in process), on files generated at test time:
 * every input format (PEM, DER, PKCS#7, PKCS#12 with and without the right password, stdin-free), a
 * shuffled bundle, a key that matches and one that does not, --host, --at, --write-fullchain, and the
 * one-line refusals for a directory, a FIFO and a missing file. Exit codes and finding codes, not prose.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseCert } from '../src/probe/certinfo.js';
import { pemToDer } from '../src/probe/trust.js';
import { runCli } from './support/cli-io.js';
import { type Chain, makeChain, pemOf } from './support/pki.js';

let dir: string;
let c: Chain;
let other: Chain;
const f = (name: string) => join(dir, name);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cert-doctor-inspect-'));
  c = await makeChain({ leaf: { subject: 'CN=app.test', dnsNames: ['app.test'], key: { type: 'rsa', bits: 2048 } } });
  other = await makeChain();
  writeFileSync(f('fullchain.pem'), pemOf(c.leaf, c.intermediates[0]!));
  writeFileSync(f('shuffled.pem'), pemOf(c.intermediates[0]!, c.leaf));
  writeFileSync(f('root.pem'), pemOf(c.root));
  writeFileSync(f('leaf.der'), c.leaf.der);
  writeFileSync(f('inter.pem'), pemOf(c.intermediates[0]!));
  writeFileSync(f('leaf.key'), c.leaf.keyPem);
  writeFileSync(f('other.key'), other.leaf.keyPem);
  writeFileSync(f('pass.txt'), 'correct horse\n');
  writeFileSync(f('wrong.txt'), 'battery staple\n');
  execFileSync('openssl', [
    'crl2pkcs7',
    '-nocrl',
    '-certfile',
    f('fullchain.pem'),
    '-outform',
    'DER',
    '-out',
    f('chain.p7b'),
  ]);
  execFileSync('openssl', [
    'pkcs12',
    '-export',
    '-in',
    f('fullchain.pem'),
    '-inkey',
    f('leaf.key'),
    '-out',
    f('bundle.pfx'),
    '-passout',
    'file:' + f('pass.txt'),
  ]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const base = () => ['--ca', f('root.pem'), '--no-default-ca', '--no-aia', '--json'];

const schema = JSON.parse(readFileSync(new URL('../src/render/diagnosis.schema.json', import.meta.url), 'utf8'));
const validate = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(schema);
})();

async function inspectJson(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await runCli(['inspect', ...args, ...base()], { env });
  assert.equal(r.stderr, '', `stderr: ${r.stderr}`);
  assert.equal(validate(JSON.parse(r.stdout)), true, JSON.stringify(validate.errors?.slice(0, 3)));
  const doc = JSON.parse(r.stdout) as {
    verdict: string;
    verification: { valid: boolean; codes: string[] };
    findings: { code: string; certIndex: number }[];
    results: { code: string; status: string }[];
    source: string;
  };
  return { code: r.code, doc, codes: doc.findings.map((x) => x.code) };
}

const status = (doc: { results: { code: string; status: string }[] }, code: string) =>
  doc.results.find((r) => r.code === code)?.status;

test('every input format yields the same valid path: PEM, DER + intermediate, PKCS#7, PKCS#12', async () => {
  for (const files of [['fullchain.pem'], ['leaf.der', 'inter.pem'], ['chain.p7b']]) {
    const { code, doc } = await inspectJson(files.map(f));
    assert.deepEqual([code, doc.verification, doc.source], [0, { valid: true, codes: [] }, 'file'], files.join(' '));
  }
  const pfx = await inspectJson([f('bundle.pfx'), '--password-file', f('pass.txt')]);
  assert.deepEqual([pfx.code, pfx.doc.verification.valid], [0, true]);
  const env = await inspectJson([f('bundle.pfx')], { CERT_DOCTOR_PASSWORD: 'correct horse' });
  assert.equal(env.doc.verification.valid, true);
});

test('a .pfx with the wrong password, or none, is one line and exit 3', async () => {
  for (const extra of [['--password-file', f('wrong.txt')], []]) {
    const r = await runCli(['inspect', f('bundle.pfx'), ...extra, '--no-aia']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^cert-doctor: "[^"]+bundle\.pfx"(: wrong password| is password-protected)[^\n]*\n$/);
  }
  const arg = await runCli(['inspect', f('bundle.pfx'), '--password', 'x']);
  assert.equal(arg.code, 3, 'a password on the command line is refused');
});

test('connection rules are not_applicable; name rules too unless --host is given', async () => {
  const { doc } = await inspectJson([f('fullchain.pem')]);
  for (const code of ['handshake_failed', 'legacy_tls_enabled', 'hsts_missing', 'sni_required', 'hostname_mismatch'])
    assert.equal(status(doc, code), 'not_applicable', code);
  const wrong = await inspectJson([f('fullchain.pem'), '--host', 'other.test']);
  assert.ok(wrong.codes.includes('hostname_mismatch'));
  assert.deepEqual(wrong.doc.verification.codes, ['hostname_mismatch']);
  const right = await inspectJson([f('fullchain.pem'), '--host', 'app.test']);
  assert.equal(status(right.doc, 'hostname_mismatch'), 'pass');
});

test('a shuffled bundle is diagnosed as such, with the real leaf judged', async () => {
  const { code, doc, codes } = await inspectJson([f('shuffled.pem')]);
  assert.ok(codes.includes('chain_order'), codes.join(', '));
  assert.equal(doc.verification.valid, true);
  assert.equal(code, 1, 'chain_order is a warning');
});

test('--key: a matching key passes, another key is key_mismatch', async () => {
  const good = await inspectJson([f('fullchain.pem'), '--key', f('leaf.key')]);
  assert.equal(status(good.doc, 'key_mismatch'), 'pass');
  const bad = await inspectJson([f('fullchain.pem'), '--key', f('other.key')]);
  assert.deepEqual(
    bad.doc.findings.filter((x) => x.code === 'key_mismatch').map((x) => x.certIndex),
    [0],
  );
  assert.equal(bad.code, 2);
  const none = await inspectJson([f('fullchain.pem')]);
  assert.equal(status(none.doc, 'key_mismatch'), 'not_applicable');
});

test('--at evaluates validity at that time; --no-default-ca without --ca leaves the root untrusted', async () => {
  const later = await inspectJson([f('fullchain.pem'), '--at', '2099-01-01T00:00:00Z']);
  assert.ok(later.doc.verification.codes.includes('cert_expired'));
  const r = await runCli(['inspect', f('fullchain.pem'), '--no-default-ca', '--no-aia', '--json']);
  const doc = JSON.parse(r.stdout) as { verification: { codes: string[] } };
  assert.deepEqual(doc.verification.codes, ['chain_incomplete']);
});

test('--write-fullchain writes leaf + intermediate in order, no root, and refuses a path that fails', async () => {
  const out = f('out.pem');
  const r = await runCli(['inspect', f('shuffled.pem'), ...base(), '--write-fullchain', out]);
  assert.equal(r.code, 1);
  const written = pemToDer(readFileSync(out, 'utf8')).map((d) => parseCert(d));
  assert.deepEqual(
    written.map((x) => ('sha256' in x ? x.sha256 : '')),
    [c.leaf.info.sha256, c.intermediates[0]!.info.sha256],
  );
  const refused = await runCli([
    'inspect',
    f('fullchain.pem'),
    '--no-default-ca',
    '--no-aia',
    '--write-fullchain',
    f('no.pem'),
  ]);
  assert.equal(refused.code, 3);
  assert.match(refused.stderr, /not writing .*chain_incomplete/);
});

test('a directory, a FIFO, a missing file and a non-certificate are one line each, exit 3', async () => {
  execFileSync('mkfifo', [f('fifo')]);
  writeFileSync(f('garbage.bin'), Buffer.from('hello, not a certificate'));
  for (const [file, why] of [
    [dir, /is a directory/],
    [f('fifo'), /not a regular file/],
    [f('missing.pem'), /no such file/],
    [f('garbage.bin'), /not a certificate file/],
  ] as const) {
    const r = await runCli(['inspect', file, '--no-aia']);
    assert.equal(r.code, 3, String(file));
    assert.match(r.stderr, why);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  }
});
