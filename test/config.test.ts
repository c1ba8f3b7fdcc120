import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseDuration, readEnv, redactConfig } from '../src/config.js';
import { SWEEP_PER_THREAD } from '../src/pool/index.js';

const BOT = 'xoxb-1-2-abcdefSekr1t';
const APP = 'xapp-1-A1-2-abcdefSekr1t';
const SIGN = 'signSekr1t0123456789';

test('mode follows which tokens are set', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['nothing → shell', {}, 'shell'],
    ['app + bot → socket', { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP }, 'socket'],
    ['bot + signing secret → http', { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGN }, 'http'],
    ['all three → socket', { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SIGN }, 'socket'],
    ['blank values count as unset', { SLACK_BOT_TOKEN: '  ' }, 'shell'],
  ];
  for (const [name, env, mode] of cases) assert.equal(loadConfig(env).mode, mode, name);
});

test('every problem is reported, one line each, naming the variable', () => {
  const cases: [string, Record<string, string>, RegExp[]][] = [
    ['bot token alone', { SLACK_BOT_TOKEN: BOT }, [/^SLACK_BOT_TOKEN is set but neither/]],
    ['app token alone', { SLACK_APP_TOKEN: APP }, [/^SLACK_BOT_TOKEN is missing/]],
    ['signing secret alone', { SLACK_SIGNING_SECRET: SIGN }, [/^SLACK_BOT_TOKEN is missing/]],
    [
      'swapped tokens',
      { SLACK_BOT_TOKEN: APP, SLACK_APP_TOKEN: BOT },
      [/^SLACK_BOT_TOKEN must be a bot token/, /^SLACK_APP_TOKEN must be an app-level token/],
    ],
    ['bad port', { PORT: '70000' }, [/^PORT must be an integer between 0 and 65535, got "70000"/]],
    ['bad duration', { CERT_DOCTOR_SWEEP_EVERY: '6 hours' }, [/^CERT_DOCTOR_SWEEP_EVERY must be a duration/]],
    ['bad CIDR', { CERT_DOCTOR_ALLOW: '10.0.0.0/8, 300.1.1.1/8,x' }, [/"300\.1\.1\.1\/8"/, /"x"/]],
    ['bad level', { LOG_LEVEL: 'loud' }, [/^LOG_LEVEL must be one of/]],
    [
      'bad worker priority',
      { CERT_DOCTOR_WORKER_PRIORITY: 'realtime' },
      [/^CERT_DOCTOR_WORKER_PRIORITY must be one of idle, low, normal, got "realtime"/],
    ],
    [
      'bad sweep checks per thread',
      { CERT_DOCTOR_SWEEP_PER_THREAD: '0' },
      [/^CERT_DOCTOR_SWEEP_PER_THREAD must be an integer between 1 and 64, got "0"$/],
    ],
    ['bad api url', { SLACK_API_URL: 'ftp://x' }, [/^SLACK_API_URL must be an http\(s\) URL/]],
    [
      'bad limits',
      { CERT_DOCTOR_CHECKS_PER_MINUTE: '0', CERT_DOCTOR_MAX_PROBES: 'many' },
      [/CHECKS_PER_MINUTE/, /MAX_PROBES/],
    ],
  ];
  for (const [name, env, expected] of cases) {
    const err = (() => {
      try {
        loadConfig(env);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof ConfigError, name);
    assert.equal(err.problems.length, expected.length, `${name}: ${err.problems.join(' | ')}`);
    for (const [i, re] of expected.entries()) assert.match(err.problems[i]!, re, name);
    assert.ok(!err.message.includes('Sekr1t'), `${name}: a token value leaked into the message`);
    assert.ok(
      err.problems.every((p) => !p.includes('\n')),
      `${name}: one line per problem`,
    );
  }
});

test('defaults and parsed values', () => {
  const c = loadConfig({});
  assert.equal(c.dbPath, './data/cert-doctor.db');
  assert.equal(c.sweepEveryMs, 6 * 3_600_000);
  assert.deepEqual(c.allow, []);
  assert.deepEqual(c.limits, { checksPerMinute: 5, maxConcurrentProbes: 8 });
  assert.equal(c.workerPriority, 'idle');
  assert.equal(loadConfig({ CERT_DOCTOR_WORKER_PRIORITY: ' Normal ' }).workerPriority, 'normal');
  assert.equal(c.sweepPerThread, SWEEP_PER_THREAD);
  assert.equal(loadConfig({ CERT_DOCTOR_SWEEP_PER_THREAD: '1' }).sweepPerThread, 1);
  const d = loadConfig({
    CERT_DOCTOR_DB: '/tmp/x.db',
    CERT_DOCTOR_ALLOW: '127.0.0.0/8, ::1/128',
    CERT_DOCTOR_SWEEP_EVERY: '15m',
    PORT: '0',
    LOG_LEVEL: 'DEBUG',
  });
  assert.deepEqual(
    [d.dbPath, d.allow, d.sweepEveryMs, d.slack.port, d.logLevel],
    ['/tmp/x.db', ['127.0.0.0/8', '::1/128'], 900_000, 0, 'debug'],
  );
});

test('durations', () => {
  const cases: [string, number | null][] = [
    ['6h', 21_600_000],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1d', 86_400_000],
    ['500ms', 500],
    ['1h30m', 5_400_000],
    [' 2H ', 7_200_000],
    ['0s', null],
    ['6', null],
    ['h', null],
    ['-5m', null],
    ['5 m', null],
    ['', null],
  ];
  for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, JSON.stringify(input));
});

test('redactConfig hides every token', () => {
  const c = loadConfig({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, SLACK_SIGNING_SECRET: SIGN });
  assert.ok(!JSON.stringify(redactConfig(c)).includes('Sekr1t'));
  assert.ok(!JSON.stringify(redactConfig(c)).includes(SIGN));
});

test('.env is read when present and the environment wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-env-'));
  try {
    writeFileSync(join(dir, '.env'), 'CERT_DOCTOR_DB=/from/dotenv.db\nLOG_LEVEL=debug\n');
    const env = readEnv({ LOG_LEVEL: 'warn' }, dir);
    assert.deepEqual([env.CERT_DOCTOR_DB, env.LOG_LEVEL], ['/from/dotenv.db', 'warn']);
    assert.deepEqual(readEnv({ A: '1' }, join(dir, 'missing')), { A: '1' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
