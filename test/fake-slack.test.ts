/** The fake Slack is the oracle of the end-to-end tests: prove it rejects what Slack rejects. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { webApi } from '@slack/bolt';
import { blockKitViolation, type FakeSlack, startFakeSlack } from './support/fake-slack.js';

const section = (text: string, id?: string) => ({
  type: 'section',
  ...(id ? { block_id: id } : {}),
  text: { type: 'mrkdwn', text },
});

const cases: [string, unknown[], string | null][] = [
  ['50 small blocks', Array.from({ length: 50 }, () => section('x')), null],
  ['51 blocks', Array.from({ length: 51 }, () => section('x')), 'invalid_blocks'],
  ['section text of 3000', [section('x'.repeat(3000))], null],
  ['section text of 3001', [section('x'.repeat(3001))], 'invalid_blocks'],
  ['13k chars in 5 sections', Array.from({ length: 5 }, () => section('x'.repeat(2700))), 'msg_blocks_too_long'],
  ['duplicate block_id', [section('a', 'same'), section('b', 'same')], 'invalid_blocks'],
  ['header of 151', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], 'invalid_blocks'],
  ['empty section text', [section('')], 'invalid_blocks'],
  [
    'button text of 76',
    [
      {
        type: 'actions',
        elements: [{ type: 'button', action_id: 'a', value: 'v', text: { type: 'plain_text', text: 'b'.repeat(76) } }],
      },
    ],
    'invalid_blocks',
  ],
];

for (const [name, blocks, error] of cases) {
  test(`fake Slack limits: ${name} → ${error ?? 'accepted'}`, () => {
    assert.equal(blockKitViolation(blocks)?.error ?? null, error);
  });
}

let fake: FakeSlack;
let client: webApi.WebClient;
before(async () => {
  fake = await startFakeSlack();
  client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});
after(() => fake.close());

test('fake Slack over HTTP: records calls with parsed blocks, answers with a ts, injects faults once', async () => {
  const ok = await client.chat.postMessage({ channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }] });
  assert.ok(ok.ts);
  const call = fake.callsOf('chat.postMessage')[0];
  assert.deepEqual(call.args.blocks, [{ type: 'divider' }]);
  assert.equal(call.authorization, 'Bearer xoxb-test');
  fake.injectFault('chat.postMessage', { error: 'is_archived' });
  await assert.rejects(
    client.chat.postMessage({ channel: 'C1', text: 'x' }),
    (e: { data?: { error?: string } }) => e.data?.error === 'is_archived',
  );
  fake.notInChannel.add('C2');
  await assert.rejects(
    client.chat.postMessage({ channel: 'C2', text: 'x' }),
    (e: { data?: { error?: string } }) => e.data?.error === 'not_in_channel',
  );
  fake.injectFault('chat.update', { status: 500 });
  await assert.rejects(
    client.chat.update({ channel: 'C1', ts: ok.ts!, text: 'x' }),
    (e: { code?: string }) => e.code === 'slack_webapi_http_error',
  );
  await client.chat.update({ channel: 'C1', ts: ok.ts!, text: 'x' });
  await assert.rejects(
    client.chat.update({ channel: 'C1', ts: ok.ts!, text: 'x'.repeat(4001) }),
    (e: { data?: { error?: string } }) => e.data?.error === 'msg_too_long',
  );
});

test('fake Slack: 429 carries Retry-After and the client honours it', async () => {
  const retrying = new webApi.WebClient('xoxb-test', {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 1 },
  });
  fake.injectFault('chat.postEphemeral', { status: 429, retryAfter: 1 });
  const t0 = Date.now();
  await retrying.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'x' });
  assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms`);
  assert.deepEqual(
    fake.callsOf('chat.postEphemeral').map((c) => c.status),
    [429, 200],
  );
});
