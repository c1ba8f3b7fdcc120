/** startSlackApp's mode selection and wiring, against the fake Slack Web API (loopback only). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Limiter } from '../src/chat/limits.js';
import type { SlackAppDeps } from '../src/chat/port.js';
import { startSlackApp } from '../src/chat/slack/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startFakeSlack } from './support/fake-slack.js';

const deps = (): SlackAppDeps => {
  const clock = () => new Date();
  return {
    core: { check: async () => assert.fail('no probe expected'), parseTarget: () => assert.fail('no parse expected') },
    store: {} as SlackAppDeps['store'],
    events: { seen: async () => false },
    limits: new Limiter({ checksPerMinute: 5, maxConcurrentProbes: 1, clock }),
    log: createLogger({ level: 'silent' }),
    clock,
  };
};

test('SLACK_APP_TOKEN selects Socket Mode, whose connection request goes to SLACK_API_URL with the app token', async () => {
  const fake = await startFakeSlack();
  try {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_APP_TOKEN: 'xapp-1-test',
      SLACK_API_URL: fake.apiUrl,
    });
    await assert.rejects(startSlackApp(config, deps()));
    const open = fake.callsOf('apps.connections.open');
    assert.equal(open.length >= 1, true);
    assert.equal(open[0].authorization, 'Bearer xapp-1-test');
  } finally {
    await fake.close();
  }
});

test('HTTP mode binds PORT=0 to a free port, rejects unsigned requests there (401); stop() closes it', async () => {
  const fake = await startFakeSlack();
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 's3cret',
    SLACK_API_URL: fake.apiUrl,
    PORT: '0',
  });
  const app = await startSlackApp(config, deps());
  try {
    assert.ok(app.port && app.port > 0);
    const res = await fetch(`http://127.0.0.1:${app.port}/slack/events`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 401);
  } finally {
    await app.stop();
    await fake.close();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${app.port}/slack/events`, { method: 'POST', body: '{}' }));
});
