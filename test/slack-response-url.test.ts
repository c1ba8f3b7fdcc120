/**
 * The response_url fallback (the bot is not in the channel) against the fake Slack, which refuses a sixth post
 * per response_url as Slack does: long answers are cut to fit, with a note saying so, and nothing is refused.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RespondFn, webApi } from '@slack/bolt';
import { RESPONSE_URL_POSTS, SlackConversation } from '../src/chat/slack/slack-port.js';
import { createLogger } from '../src/log.js';
import { diagnosis, finding, target } from './support/diagnosis-fixture.js';
import { type FakeSlack, startFakeSlack } from './support/fake-slack.js';

let fake: FakeSlack;
let client: webApi.WebClient;
before(async () => {
  fake = await startFakeSlack();
  client = new webApi.WebClient('xoxb-test', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  fake.notInChannel.add('C-private');
});
after(() => fake.close());

/** What Bolt's respond() does: POST the message as JSON to the invocation's response_url. */
function respondTo(url: string): RespondFn {
  return async (msg) => {
    const body = typeof msg === 'string' ? { text: msg } : msg;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`response_url answered ${res.status}`);
    return res;
  };
}

function conversation(responseId: string): SlackConversation {
  return new SlackConversation({
    client,
    channel: 'C-private',
    user: 'U1',
    respond: respondTo(fake.responseUrl(responseId)),
    log: createLogger({ level: 'silent', pretty: false }),
  });
}

const blockIds = (body: Record<string, unknown>) =>
  ((body.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id ?? '');

const many = Array.from({ length: 70 }, (_, i) => finding(`code_${i}`, 'warning', i % 3, ' x'.repeat(600)));

test('findings longer than the response_url budget: 5 posts, the last one says the rest was held back', async () => {
  const conv = conversation('long');
  const parent = await conv.post({ kind: 'progress', target: target(), phase: 'resolving' });
  await conv.reply(parent, { kind: 'findings', diagnosis: diagnosis({ findings: many }) });
  await conv.reply(parent, { kind: 'findings', diagnosis: diagnosis({ findings: many.slice(0, 1) }) });
  const posts = fake.responses.filter((r) => r.id === 'long');
  assert.equal(posts.length, RESPONSE_URL_POSTS);
  assert.equal(fake.refusedResponses.filter((r) => r.id === 'long').length, 0);
  assert.ok(blockIds(posts[0]!.body).includes('notice:not_in_channel'), blockIds(posts[0]!.body).join());
  assert.ok(blockIds(posts.at(-1)!.body).includes('notice:answer_truncated'), blockIds(posts.at(-1)!.body).join());
  assert.ok(blockIds(posts[1]!.body).some((id) => id.startsWith('finding:code_0')));
});

test('a short answer through the response_url is sent whole, without the held-back note', async () => {
  const conv = conversation('short');
  const parent = await conv.post({ kind: 'progress', target: target(), phase: 'resolving' });
  await conv.reply(parent, { kind: 'findings', diagnosis: diagnosis({ findings: many.slice(0, 2) }) });
  const posts = fake.responses.filter((r) => r.id === 'short');
  assert.equal(posts.length, 2);
  assert.ok(!posts.some((p) => blockIds(p.body).includes('notice:answer_truncated')));
  assert.ok(blockIds(posts[1]!.body).some((id) => id.startsWith('finding:code_1')));
});
