/**
 * Issue 7's Slack edge cases as signed requests against the real Bolt app (HTTP receiver) and the fake
 * Web API: a replayed command or click runs once, wrong field types are refused at the boundary, a
 * timestamp from the future is refused, and the receiver binds the configured interface only.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from './support/slack-harness.js';
import { actionPayload, commandBody, FORM } from './support/slack-requests.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const settle = () => new Promise((r) => setTimeout(r, 300));
const ephemeralsTo = (channel: string) =>
  h.fake.responses.length + h.fake.callsOf('chat.postEphemeral').filter((c) => c.args.channel === channel).length;

test('a replayed signed slash command (same body, timestamp, signature) is acked and runs once', async () => {
  const body = commandBody({ text: 'help', channel: 'C-replay' }, h.fake.responseUrl(randomUUID()));
  const timestamp = Math.floor(Date.now() / 1000);
  const before = ephemeralsTo('C-replay');
  for (let i = 0; i < 3; i++) assert.equal((await h.req.send(body, FORM, { timestamp })).status, 200);
  await h.fake.waitUntil(() => (ephemeralsTo('C-replay') > before ? true : undefined), 'the help answer');
  await settle();
  assert.equal(ephemeralsTo('C-replay') - before, 1, 'three deliveries, one answer');
  // the same command sent again by the user (a new request: new timestamp) is answered again
  assert.equal((await h.req.send(body, FORM, { timestamp: timestamp + 1 })).status, 200);
  await h.fake.waitUntil(() => (ephemeralsTo('C-replay') - before === 2 ? true : undefined), 'the second answer');
});

test('a replayed button click runs once', async () => {
  const payload = actionPayload(
    { actionId: 'recheck', value: '999999', channel: 'C-click', messageTs: '1.1' },
    h.fake.responseUrl(randomUUID()),
  );
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const before = ephemeralsTo('C-click');
  for (let i = 0; i < 2; i++) assert.equal((await h.req.send(body, FORM, { timestamp })).status, 200);
  await h.fake.waitUntil(() => (ephemeralsTo('C-click') > before ? true : undefined), 'incident_not_found');
  await settle();
  assert.equal(ephemeralsTo('C-click') - before, 1);
});

test('wrong field types in signed payloads: 400 at the boundary, nothing posted, nothing stuck', async () => {
  const base = () => new URLSearchParams(commandBody({ text: 'check example.com', channel: 'C-types' }, 'x'));
  const twice = base();
  twice.append('text', 'check evil.example');
  const noUser = base();
  noUser.delete('user_id');
  const noChannel = base();
  noChannel.delete('channel_id');
  const clickWithListUser = new URLSearchParams({
    payload: JSON.stringify({
      ...actionPayload({ actionId: 'recheck', value: '1', channel: 'C-types', messageTs: '1.1' }, 'x'),
      user: { id: ['U1', 'U2'] },
    }),
  });
  const clickWithObjectChannel = new URLSearchParams({
    payload: JSON.stringify({
      ...actionPayload({ actionId: 'recheck', value: '1', channel: 'C-types', messageTs: '1.1' }, 'x'),
      channel: { id: { nested: true } },
    }),
  });
  const calls = h.fake.calls.length;
  for (const [name, body] of [
    ['text given twice', twice],
    ['no user_id', noUser],
    ['no channel_id', noChannel],
    ['click: user.id a list', clickWithListUser],
    ['click: channel.id an object', clickWithObjectChannel],
  ] as const) {
    const r = await h.req.send(body.toString(), FORM, {});
    assert.equal(r.status, 400, name);
  }
  await settle();
  assert.equal(h.fake.calls.length, calls, 'nothing reached Slack');
  const row = h.db.prepare('SELECT COUNT(*) AS n FROM pending_checks').get() as { n: number };
  assert.equal(row.n, 0, 'no "Checking…" left in flight');
});

test('a timestamp 6 minutes in the future is refused (401); 4 minutes ahead is within the window', async () => {
  const now = Math.floor(Date.now() / 1000);
  const body = commandBody({ text: 'help', channel: 'C-future' }, h.fake.responseUrl(randomUUID()));
  assert.equal((await h.req.send(body, FORM, { timestamp: now + 6 * 60 })).status, 401);
  assert.equal((await h.req.send(body, FORM, { timestamp: now - 6 * 60 })).status, 401, "Bolt's own past bound");
  assert.equal((await h.req.send(body, FORM, { timestamp: now + 4 * 60 })).status, 200);
});

test('the HTTP receiver binds 127.0.0.1 by default, and CERT_DOCTOR_HOST chooses the interface', async () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
  const reach = async (host: string, port: number) => {
    try {
      await fetch(`http://${host}:${port}/slack/events`, { method: 'GET', signal: AbortSignal.timeout(2000) });
      return true;
    } catch {
      return false;
    }
  };
  assert.equal(await reach('127.0.0.1', h.app.port!), true);
  if (external) assert.equal(await reach(external, h.app.port!), false, `reachable on ${external}`);
  const wide = await startHarness({ env: { CERT_DOCTOR_HOST: '0.0.0.0' } });
  try {
    if (external) assert.equal(await reach(external, wide.app.port!), true);
  } finally {
    await wide.close();
  }
});
