import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { start } from '../src/start.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function io(stdinText: string) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c));
  stderr.on('data', (c: Buffer) => (err += c));
  stdin.end(stdinText);
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => err };
}

test('start without Slack tokens runs the shell bot on the given streams and creates the database', async () => {
  const db = join(dir, 'sub', 'bot.db');
  const t = io('help\nexit\n');
  const code = await start(t.io, { CERT_DOCTOR_DB: db, LOG_LEVEL: 'silent' }, { cwd: dir });
  assert.equal(code, 0);
  assert.match(t.out(), /cert-doctor> /);
  assert.match(t.out(), /\/cert check TARGET/);
  assert.ok(existsSync(db));
});

test('a partial Slack configuration exits 3 with one line per problem and no token in sight', async () => {
  const t = io('');
  const code = await start(
    t.io,
    {
      SLACK_BOT_TOKEN: 'xoxb-1-2-Sekr1tValue',
      CERT_DOCTOR_SWEEP_EVERY: 'often',
      CERT_DOCTOR_DB: join(dir, 'x.db'),
    },
    { cwd: dir },
  );
  assert.equal(code, 3);
  const lines = t.err().trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('  - ')).length, 2, t.err());
  assert.ok(!t.err().includes('Sekr1t'));
  assert.equal(t.out(), '');
});

test('an unreadable CERT_DOCTOR_CA is a configuration problem, not a crash', async () => {
  const t = io('');
  const code = await start(
    t.io,
    { CERT_DOCTOR_CA: join(dir, 'missing.pem'), CERT_DOCTOR_DB: join(dir, 'y.db') },
    { cwd: dir },
  );
  assert.equal(code, 3);
  assert.match(t.err(), /CERT_DOCTOR_CA: cannot read .*missing\.pem.*ENOENT/);
});

test('logs are JSON off a TTY and never carry tokens', () => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (c: Buffer) => (out += c));
  const log = createLogger({ level: 'info', stream });
  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-Sekr1tA', SLACK_APP_TOKEN: 'xapp-1-Sekr1tB' });
  log.info({ config, token: 'xoxb-Sekr1tC', headers: { authorization: 'Bearer Sekr1tD' } }, 'started');
  const line = JSON.parse(out.trim()) as { msg: string; config: { slack: { botToken: string } } };
  assert.equal(line.msg, 'started');
  assert.equal(line.config.slack.botToken, '[redacted]');
  assert.ok(!out.includes('Sekr1t'), out);
});
