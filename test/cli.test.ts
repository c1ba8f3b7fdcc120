import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { runCli } from './support/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-cli-'));
const notPem = join(dir, 'not-a-bundle.txt');
writeFileSync(notPem, 'hello\n');
const badTargets = join(dir, 'targets.txt');
writeFileSync(badTargets, '# fleet\nexample.com:99999\n');

function assertOneLine(stderr: string): void {
  assert.equal(
    stderr.split('\n').filter((l) => l !== '').length,
    1,
    `one line expected, got ${JSON.stringify(stderr)}`,
  );
  assert.ok(!stderr.includes('internal error'), stderr);
}

test('help: --help, -h, help and check --help print usage and exit 0', async () => {
  for (const args of [['--help'], ['-h'], ['help'], ['check', '--help']]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.stdout, /cert-doctor check TARGET/);
    assert.equal(r.stderr, '');
  }
});

test('no arguments: usage on stderr, exit 3', async () => {
  const r = await runCli([]);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /cert-doctor check TARGET/);
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `cert-doctor ${pkg.version}\n`);
});

const USAGE_ERRORS: { name: string; args: string[]; env?: NodeJS.ProcessEnv; quoted: string }[] = [
  { name: 'unknown flag', args: ['check', 'example.com', '--bogus'], quoted: '"--bogus"' },
  { name: 'unknown short flag', args: ['check', '-z', 'example.com'], quoted: '"-z"' },
  { name: 'unknown top-level flag', args: ['--frobnicate'], quoted: '"--frobnicate"' },
  { name: 'unknown command', args: ['chekc', 'example.com'], quoted: '"chekc"' },
  { name: 'missing target', args: ['check'], quoted: 'TARGET' },
  { name: 'bad second target', args: ['check', 'a.example', 'b example'], quoted: '"b example"' },
  { name: 'missing --targets file', args: ['check', '--targets', join(dir, 'none.txt')], quoted: 'none.txt' },
  { name: 'bad line in --targets file', args: ['check', '--targets', badTargets], quoted: 'line 2' },
  { name: 'missing --ca file', args: ['check', 'example.com', '--ca', join(dir, 'nope.pem')], quoted: 'nope.pem' },
  { name: '--ca without a certificate', args: ['check', 'example.com', '--ca', notPem], quoted: 'not-a-bundle.txt' },
  { name: 'bad --allow', args: ['check', 'example.com', '--allow', '10.0.0.0/33'], quoted: '"10.0.0.0/33"' },
  { name: 'bad --allow text', args: ['check', 'example.com', '--allow', 'localhost'], quoted: '"localhost"' },
  {
    name: 'bad CERT_DOCTOR_ALLOW',
    args: ['check', 'example.com'],
    env: { CERT_DOCTOR_ALLOW: '127.0.0.0/8, nonsense' },
    quoted: 'CERT_DOCTOR_ALLOW',
  },
  {
    name: 'missing CERT_DOCTOR_CA file',
    args: ['check', 'example.com'],
    env: { CERT_DOCTOR_CA: join(dir, 'gone.pem') },
    quoted: 'gone.pem',
  },
  { name: 'bad target: port out of range', args: ['check', 'example.com:99999'], quoted: '"example.com:99999"' },
  { name: 'bad target: spaces', args: ['check', 'exa mple.com'], quoted: '"exa mple.com"' },
  { name: 'bad target: unknown scheme', args: ['check', 'gopher://example.com'], quoted: '"gopher://example.com"' },
  { name: 'bad --timeout', args: ['check', 'example.com', '--timeout', '10s'], quoted: '"10s"' },
  { name: '--timeout without value', args: ['check', 'example.com', '--timeout'], quoted: '--timeout' },
  { name: 'bad --warn-days', args: ['check', 'example.com', '--warn-days', '-1'], quoted: '--warn-days' },
  {
    name: 'crit above warn',
    args: ['check', 'example.com', '--warn-days', '5', '--crit-days', '9'],
    quoted: '--crit-days',
  },
  { name: 'boolean flag with value', args: ['check', 'example.com', '--json=yes'], quoted: '--json' },
];

for (const c of USAGE_ERRORS) {
  test(`usage error, exit 3: ${c.name}`, async () => {
    const r = await runCli(c.args, { env: c.env ?? {} });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assertOneLine(r.stderr);
    assert.ok(r.stderr.includes(c.quoted), `${JSON.stringify(r.stderr)} should name ${c.quoted}`);
    assert.match(r.stderr, /^cert-doctor: /);
  });
}

test('an unexpected exception becomes one "internal error" line and exit 3', async () => {
  const broken = new Writable({
    write(_chunk, _enc, _done) {
      throw new Error('disk on fire\nsecond line');
    },
  });
  const r = await runCli(['--help'], { stdout: broken });
  assert.equal(r.code, 3);
  assert.equal(r.stderr, 'cert-doctor: internal error: disk on fire\n');
});

test('start without Slack tokens opens the terminal chat and ends cleanly at end of input', async () => {
  const run = await runCli(['start'], { env: { CERT_DOCTOR_DB: join(dir, 'bot.db') } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /cert-doctor> /);
});

test('shell ignores Slack tokens (a half-configured Slack app would be a config error for start)', async () => {
  const env = { CERT_DOCTOR_DB: join(dir, 'bot.db'), SLACK_BOT_TOKEN: 'xoxb-not-used' };
  assert.equal((await runCli(['start'], { env })).code, 3);
  const run = await runCli(['shell'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /cert-doctor> /);
});
