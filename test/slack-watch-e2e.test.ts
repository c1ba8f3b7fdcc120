/**
 * Watched endpoints end to end through the real Bolt app (HTTP receiver) and the fake Slack API:
 * `/cert watch` answers in the channel with the current state, list / history / the cap, the membership
 * events pause and resume the channel, App Home publishes the user's endpoints, and a scheduler tick
 * over the same database replies with the next threshold in the watch answer's thread.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { check } from '../src/check.js';
import { createLogger } from '../src/log.js';
import { Scheduler } from '../src/scheduler/index.js';
import { hasBlockId } from './support/fake-slack.js';
import { makeChain } from './support/pki.js';
import { startTlsServer } from './support/servers.js';
import { type Harness, startHarness } from './support/slack-harness.js';
import { DAY, fakeSlackSink, testClock } from './support/watch-fixture.js';

let h: Harness;
let server: Awaited<ReturnType<typeof startTlsServer>>;
let target = '';
let trust: string[] = [];
const now = new Date();

before(async () => {
  // a 90-day certificate with 10 days left
  const chain = await makeChain({
    leaf: {
      subject: 'CN=localhost',
      notBefore: new Date(now.getTime() - 80 * DAY),
      notAfter: new Date(now.getTime() + 10 * DAY),
    },
  });
  server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  target = `127.0.0.1:${server.port}`;
  trust = [chain.root.pem];
  h = await startHarness({ extraCaPem: [chain.root.pem], watch: true, env: { CERT_DOCTOR_WATCH_CAP: '2' } });
});

after(async () => {
  await h?.close();
  await server?.close();
});

const eventBody = (event: Record<string, unknown>, id: string) => ({
  token: 'deprecated',
  team_id: 'T1',
  api_app_id: 'A1',
  type: 'event_callback',
  event_id: id,
  event_time: Math.floor(Date.now() / 1000),
  event,
});

test('/cert watch answers in the channel with the current state; that answer opens the certificate thread', async () => {
  const res = await h.req.command({ text: `watch ${target} --days 14,7`, channel: 'C1' });
  assert.equal(res.status, 200);
  const answer = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === 'C1' && hasBlockId('watch_list')(c),
  );
  assert.ok(hasBlockId('watch:0')(answer), 'the state row');
  const sub = await h.watch!.subscriptions.find('C1', target);
  assert.deepEqual(sub?.thresholds, [14, 7]);
  // the answer is posted first, then the reminders it said are recorded with its ts
  const [said] = await eventually(() => h.watch!.reminders.sent(sub!.id, 5));
  assert.equal(said?.facts.kind, 'threshold');
  assert.equal(said?.sentTs, answer.response.ts, 'the 14-day reminder owed now is said by the answer');

  await h.req.command({ text: `watch ${target}`, channel: 'C1', responseId: 'again' });
  const again = await h.fake.waitForResponse((r) => r.id === 'again');
  assert.match(JSON.stringify(again.body), /notice:info/);
});

test('list, history, unwatch of an unknown target, and the per-channel cap', async () => {
  await h.req.command({ text: 'list', channel: 'C1', responseId: 'list' });
  const list = await h.fake.waitForResponse((r) => r.id === 'list');
  assert.match(JSON.stringify(list.body), /"watch:0"/);
  assert.match(JSON.stringify(list.body), new RegExp(target.replace('.', '\\.')));

  await h.req.command({ text: `history ${target}`, channel: 'C1', responseId: 'hist' });
  const hist = await h.fake.waitForResponse((r) => r.id === 'hist');
  assert.match(JSON.stringify(hist.body), /watch_history/);

  await h.req.command({ text: 'unwatch nowhere.example', channel: 'C1', responseId: 'unw' });
  assert.match(JSON.stringify((await h.fake.waitForResponse((r) => r.id === 'unw')).body), /notice:not_watched/);

  await h.req.command({ text: 'watch 127.0.0.2:1', channel: 'C1', responseId: 'two' });
  await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === 'C1' && JSON.stringify(c.args).includes('127.0.0.2'),
  );
  await h.req.command({ text: 'watch 127.0.0.3:1', channel: 'C1', responseId: 'cap' });
  const cap = await h.fake.waitForResponse((r) => r.id === 'cap');
  assert.match(JSON.stringify(cap.body), /notice:watch_cap/);
  assert.equal((await h.watch!.subscriptions.byChannel('C1')).length, 2);
  await h.req.command({ text: 'unwatch 127.0.0.2:1', channel: 'C1', responseId: 'unw2' });
  await h.fake.waitFor('chat.postMessage', (c) => c.args.channel === 'C1' && hasBlockId('notice:info')(c));
  assert.equal((await h.watch!.subscriptions.byChannel('C1')).length, 1);
});

test('the bot removed from a channel pauses it (shown in list); invited back resumes it', async () => {
  await h.req.event(eventBody({ type: 'member_left_channel', user: h.fake.botUserId, channel: 'C1' }, 'Ev-left'));
  const until = Date.now() + 5000;
  while ((await h.watch!.subscriptions.pausedChannels()).length === 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(await h.watch!.subscriptions.pausedChannels(), [
    { channel: 'C1', reason: 'the bot was removed from the channel' },
  ]);
  // someone else leaving changes nothing; the bot joining resumes
  await h.req.event(eventBody({ type: 'member_joined_channel', user: 'U2', channel: 'C1' }, 'Ev-other'));
  await h.req.event(eventBody({ type: 'member_joined_channel', user: h.fake.botUserId, channel: 'C1' }, 'Ev-join'));
  const until2 = Date.now() + 5000;
  while ((await h.watch!.subscriptions.pausedChannels()).length > 0 && Date.now() < until2) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(await h.watch!.subscriptions.pausedChannels(), []);
});

test('App Home lists the endpoints the user watches, across channels', async () => {
  await h.req.event(eventBody({ type: 'app_home_opened', user: 'U1', channel: 'D1', tab: 'home' }, 'Ev-home'));
  const call = await h.fake.waitFor('views.publish');
  assert.equal(call.response.ok, true);
  const view = h.fake.homeViews.get('U1');
  assert.match(JSON.stringify(view), new RegExp(target.replace('.', '\\.')));
  assert.match(JSON.stringify(view), /<#C1>/);
});

test('GET /metrics (HTTP mode): seconds until expiry, verdict and last check per endpoint and address', async () => {
  const res = await fetch(`http://127.0.0.1:${h.app.port}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  const labels = `channel="C1",target="${target}",address="127.0.0.1"`;
  const m = new RegExp(`cert_doctor_certificate_expiry_seconds\\{${labels.replace(/[.]/g, '\\.')}\\} (\\S+)`).exec(
    text,
  );
  assert.ok(m, text);
  const days = Number(m[1]) / 86_400;
  assert.ok(days > 9.9 && days <= 10, `expiry ${days} days`);
  assert.ok(text.includes(`cert_doctor_endpoint_verdict{${labels},verdict="warning"} 1`), text); // cert_expiring_soon at 10 days
  assert.match(text, /cert_doctor_last_check_timestamp_seconds\{channel="C1",target="127\.0\.0\.1:\d+"\} \d/);
  assert.equal((await fetch(`http://127.0.0.1:${h.app.port}/nope`)).status, 404);
});

test('a scheduler tick over the same database replies with the next threshold in the watch thread', async () => {
  const clock = testClock(new Date(now.getTime() + 4 * DAY));
  const scheduler = new Scheduler({
    ...h.watch!,
    core: { check, checkDefaults: { allow: ['127.0.0.0/8'], extraCaPem: trust, timeoutMs: 5000 } },
    sink: fakeSlackSink(h.fake),
    clock: clock.now,
    log: createLogger({ level: 'silent' }),
    sweepEveryMs: 6 * 3_600_000,
  });
  const sub = (await h.watch!.subscriptions.find('C1', target))!;
  await h.watch!.subscriptions.scheduleNext(sub.id, clock.now(), clock.now());
  const r = await scheduler.tick();
  assert.equal(r.role, 'active');
  const reminder = h.fake.messages.find((m) => m.metadata?.event_type === 'cert_doctor_reminder');
  assert.ok(reminder, 'a tagged reminder was posted');
  const parent = (await h.watch!.reminders.sent(sub.id, 10)).find((x) => x.sentTs !== reminder.ts);
  assert.equal(reminder.thread_ts, parent?.sentTs, 'in the thread the watch answer opened');
  const payload = reminder.metadata?.event_payload as { key?: string } | undefined;
  assert.match(String(payload?.key), /^threshold:[0-9a-f]{64}:7$/);
});

async function eventually<T>(read: () => Promise<T[]>, ms = 5000): Promise<T[]> {
  const until = Date.now() + ms;
  for (;;) {
    const got = await read();
    if (got.length > 0 || Date.now() > until) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
}
