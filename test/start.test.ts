import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { start } from '../src/start.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';

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

describe('Slack refusing or unreachable at start: one line naming the setting, no token, no crash', () => {
  let fake: FakeSlack;
  before(async () => {
    fake = await startFakeSlack();
  });
  after(() => fake.close());

  const slackEnv = (extra: Record<string, string>) => ({
    SLACK_BOT_TOKEN: 'xoxb-1-2-Sekr1tBot',
    CERT_DOCTOR_DB: join(dir, 'slack.db'),
    LOG_LEVEL: 'silent',
    ...extra,
  });
  const oneLine = (err: string) => err.trim().split('\n');

  test('a bot token auth.test refuses → exit 3, SLACK_BOT_TOKEN and the error named', async () => {
    fake.injectFault('auth.test', { error: 'invalid_auth' });
    const t = io('');
    const env = slackEnv({ SLACK_SIGNING_SECRET: 'secret', PORT: '0', SLACK_API_URL: fake.apiUrl });
    assert.equal(await start(t.io, env, { cwd: dir }), 3);
    const lines = oneLine(t.err());
    assert.equal(lines.length, 1, t.err());
    assert.match(lines[0]!, /SLACK_BOT_TOKEN.*invalid_auth/);
    assert.ok(!t.err().includes('Sekr1t'));
  });

  test('an app token apps.connections.open refuses (Socket Mode) → exit 3, SLACK_APP_TOKEN named', async () => {
    const t = io('');
    const env = slackEnv({ SLACK_APP_TOKEN: 'xapp-1-Sekr1tApp', SLACK_API_URL: fake.apiUrl });
    assert.equal(await start(t.io, env, { cwd: dir }), 3);
    const lines = oneLine(t.err());
    assert.equal(lines.length, 1, t.err());
    assert.match(lines[0]!, /SLACK_APP_TOKEN.*apps\.connections\.open.*invalid_auth/);
    assert.ok(!t.err().includes('Sekr1t'));
  });

  test("Slack's Web API unreachable → exit 1 naming the URL, within the client's retries", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const t = io('');
    const apiUrl = `http://127.0.0.1:${port}/api/`;
    const env = slackEnv({ SLACK_SIGNING_SECRET: 'secret', PORT: '0', SLACK_API_URL: apiUrl });
    assert.equal(await start(t.io, env, { cwd: dir }), 1);
    const lines = oneLine(t.err());
    assert.equal(lines.length, 1, t.err());
    assert.ok(lines[0]!.includes(apiUrl), lines[0]);
  });
});
