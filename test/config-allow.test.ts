/**
 * Issue 6 item 7: one parser for CERT_DOCTOR_ALLOW in the CLI and the bot. A bare address is a /32 or
 * /128 in both; an invalid entry is refused at start in both, on one line naming the variable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { loadConfig, parseAllowList } from '../src/config.js';
import { start } from '../src/start.js';
import { runCli } from './support/cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-allow-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('parseAllowList: bare addresses and CIDRs pass, each bad entry is one line naming the variable', () => {
  assert.deepEqual(parseAllowList(' 10.0.0.1, fd00::1 ,192.168.0.0/16,,'), {
    allow: ['10.0.0.1', 'fd00::1', '192.168.0.0/16'],
    problems: [],
  });
  const bad = parseAllowList('1:::/64,10.0.0.1,10.0.0.0/33');
  assert.deepEqual(bad.allow, ['10.0.0.1']);
  assert.equal(bad.problems.length, 2);
  assert.match(bad.problems[0]!, /^CERT_DOCTOR_ALLOW: "1:::\/64" is not a CIDR range/);
  assert.match(bad.problems[1]!, /^CERT_DOCTOR_ALLOW: "10\.0\.0\.0\/33" is not a CIDR range/);
  assert.deepEqual(loadConfig({ CERT_DOCTOR_ALLOW: '10.0.0.1' }).allow, ['10.0.0.1']);
});

function streams() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c: Buffer) => (err += c));
  stdout.resume();
  stdin.end('exit\n');
  return { io: { stdin, stdout, stderr }, err: () => err };
}

test('the bot refuses 1:::/64 at start (exit 3, one problem line naming CERT_DOCTOR_ALLOW) and accepts a bare address', async () => {
  const bad = streams();
  const env = { CERT_DOCTOR_DB: join(dir, 'a.db'), LOG_LEVEL: 'silent' };
  assert.equal(await start(bad.io, { ...env, CERT_DOCTOR_ALLOW: '1:::/64' }, { cwd: dir }), 3);
  const problems = bad
    .err()
    .split('\n')
    .filter((l) => l.startsWith('  - '));
  assert.equal(problems.length, 1, bad.err());
  assert.match(problems[0]!, /CERT_DOCTOR_ALLOW: "1:::\/64" is not a CIDR range/);
  const good = streams();
  assert.equal(await start(good.io, { ...env, CERT_DOCTOR_ALLOW: '10.0.0.1' }, { cwd: dir }), 0, good.err());
});

test('the CLI refuses the same entry with the same words, one line, exit 3; a bare address is accepted', async () => {
  const bad = await runCli(['check', 'example.invalid'], { env: { CERT_DOCTOR_ALLOW: '1:::/64' } });
  assert.equal(bad.code, 3);
  const lines = bad.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, bad.stderr);
  assert.match(lines[0]!, /CERT_DOCTOR_ALLOW: "1:::\/64" is not a CIDR range/);
  // a bare loopback address opens exactly that address: the check reaches it (connection refused on port 1)
  const good = await runCli(['check', '127.0.0.1:1', '--json', '--timeout', '2000'], {
    env: { CERT_DOCTOR_ALLOW: '127.0.0.1' },
  });
  const codes = (JSON.parse(good.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code);
  assert.ok(codes.includes('connection_refused'), codes.join(','));
});
