/**
 * The HTTP receiver with a real Bolt App on 127.0.0.1:0: the HTTP answer does not wait for Bolt's listeners,
 * which still get every verified request (with Slack's retry headers); bad requests get Slack's status codes.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { App, type Logger, LogLevel } from '@slack/bolt';
import { AckAtOnceReceiver } from '../src/chat/slack/receiver.js';
import { SlackRequester } from './support/slack-requests.js';

const SECRET = 'receiver-test-secret';
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

let app: App;
let receiver: AckAtOnceReceiver;
let req: SlackRequester;
let url: string;
let arrivals = 0;
const commands: { text: string; at: number }[] = [];
const mentions: { retryNum: number | undefined; retryReason: string | undefined }[] = [];
let releaseCommand: () => void = () => undefined;
const commandHeld = new Promise<void>((r) => {
  releaseCommand = r;
});

before(async () => {
  receiver = new AckAtOnceReceiver({ signingSecret: SECRET, logger: quiet, onArrival: () => arrivals++ });
  // authorize answers locally: with a bare token Bolt would ask Slack's auth.test first
  const authorize = async () => ({ botToken: 'xoxb-test', botId: 'B1', botUserId: 'UBOT' });
  app = new App({ authorize, receiver, logger: quiet, convoStore: false });
  app.command('/cert', async ({ command, ack }) => {
    commands.push({ text: command.text, at: performance.now() });
    await commandHeld; // a listener that is slow to ack must not hold the HTTP answer
    await ack();
  });
  app.event('app_mention', async ({ context }) => {
    mentions.push({ retryNum: context.retryNum, retryReason: context.retryReason });
  });
  await app.start(0);
  url = `http://127.0.0.1:${receiver.address!.port}/slack/events`;
  req = new SlackRequester(url, SECRET, (id) => `http://127.0.0.1:9/response/${id}`);
});
after(async () => {
  releaseCommand();
  await app.stop();
});

async function until(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a command is answered 200 before its listener acks, and the listener still runs', async () => {
  const answered = await req.command({ text: 'check example.com' });
  assert.equal(answered.status, 200);
  assert.equal(answered.body, '');
  await until(() => commands.length === 1, 'the listener');
  assert.equal(commands[0]!.text, 'check example.com');
  releaseCommand();
});

test("an event reaches its listener with Slack's retry headers", async () => {
  const answered = await req.mention({ text: '<@UBOT> recheck', channel: 'C1', ts: '1700000000.000100' }, 2);
  assert.equal(answered.status, 200);
  await until(() => mentions.length === 1, 'the mention listener');
  assert.deepEqual(mentions[0], { retryNum: 2, retryReason: 'http_timeout' });
});

test('url_verification answers the challenge; ssl_check answers 200; neither reaches a listener', async () => {
  const before = commands.length;
  const challenge = await req.urlVerification('chal-42');
  assert.equal(JSON.parse(challenge.body).challenge, 'chal-42');
  const ssl = await req.send('ssl_check=1&token=x', 'application/x-www-form-urlencoded', {});
  assert.equal(ssl.status, 200);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(commands.length, before);
});

test('unsigned, wrongly signed and stale requests get 401 and reach no listener', async () => {
  const before = commands.length;
  const stale = Math.floor(Date.now() / 1000) - 6 * 60;
  for (const sign of [{ unsigned: true }, { secret: 'wrong' }, { timestamp: stale }]) {
    const r = await req.command({ text: 'check evil.example' }, sign);
    assert.equal(r.status, 401, JSON.stringify(sign));
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(commands.length, before);
});

test('other paths and methods get 404; every request is reported as an arrival', async () => {
  const seen = arrivals;
  const status = (method: string, path: string) =>
    new Promise<number>((resolve, reject) => {
      const r = request(new URL(path, url), { method, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.end();
    });
  assert.equal(await status('GET', '/slack/events'), 404);
  assert.equal(await status('POST', '/other'), 404);
  assert.equal(arrivals, seen + 2);
});
