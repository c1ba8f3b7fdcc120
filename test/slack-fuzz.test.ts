/**
 * Hostile and malformed Slack traffic against the real app over HTTP (correctly signed): seeded fast-check runs
 * of /cert texts, button payloads and events, plus malformed bodies. Each answer must be acked within 3 s, the
 * process must record no unhandled rejection or uncaught exception, every payload posted must pass the fake's
 * Block Kit checks and carry no unescaped `<!…>`, and replies to bad input carry a code in their block_ids.
 * No input may reach the network: names resolve (fake resolver) to a private address the policy refuses, and
 * an IP literal the policy would let through fails the run before any connection.
 */
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { ChatCore } from '../src/chat/port.js';
import { check } from '../src/check.js';
import { createAddressPolicy } from '../src/probe/address-policy.js';
import type { LookupFn } from '../src/probe/resolve.js';
import { parseTarget } from '../src/probe/target.js';
import { blockKitViolation, type FakeCall } from './support/fake-slack.js';
import { type Harness, startHarness } from './support/slack-harness.js';
import { actionPayload, FORM, mentionCallback, type SentRequest } from './support/slack-requests.js';

const SEED = 20_240_601;
const ACK_LIMIT_MS = 3000;
/** How long an input that must get no answer is given to (wrongly) produce one. */
const QUIET_MS = 150;

let h: Harness;
const faults: unknown[] = [];
const onFault = (err: unknown) => faults.push(err);
const ackTimes: number[] = [];

const privateLookup: LookupFn = async () => [{ address: '10.20.30.40', family: 4 }];

/** The real check(), resolving every name to a private address; a literal the policy allows is a test bug. */
const contained: ChatCore['check'] = async (input, opts) => {
  const { host } = parseTarget(input);
  if (isIP(host) && createAddressPolicy(opts.allow ?? []).check(host).allowed) {
    throw new Error(`fuzz input ${JSON.stringify(input)} would connect to ${host}`);
  }
  return check(input, { ...opts, lookup: privateLookup });
};

before(async () => {
  process.on('unhandledRejection', onFault);
  process.on('uncaughtException', onFault);
  h = await startHarness({ check: contained, env: { CERT_DOCTOR_ALLOW: '' } });
});

after(async () => {
  await h?.close();
  process.off('unhandledRejection', onFault);
  process.off('uncaughtException', onFault);
  if (ackTimes.length) {
    const sorted = [...ackTimes].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
    console.log(`# fuzz ack ms over ${sorted.length} requests: p50 ${p(0.5)}, p99 ${p(0.99)}, max ${p(1)}`);
  }
});

function acked(r: SentRequest, status = 200): SentRequest {
  ackTimes.push(r.ackMs);
  assert.equal(r.status, status, r.body);
  assert.ok(r.ackMs < ACK_LIMIT_MS, `ack took ${r.ackMs} ms`);
  return r;
}

const idsOf = (payload: Record<string, unknown>): string[] =>
  ((payload.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id ?? '');

/** Block ids that end an answer: a notice, help, or the diagnosis parent. */
const FINAL = /^(notice:|help:|headline:)/;

let seq = 0;
const fresh = () => {
  seq += 1;
  return { channel: `CFZ${seq}`, responseId: `fz${seq}` };
};

/** Everything the app sent for one invocation: Web API calls in its channel and its response_url posts. */
function sentFor(channel: string, responseId: string): Record<string, unknown>[] {
  return [
    ...h.fake.calls.filter((c) => c.args.channel === channel).map((c) => c.args),
    ...h.fake.responses.filter((r) => r.id === responseId).map((r) => r.body),
  ];
}

/** The final block ids of the answer once it has arrived. */
function answer(channel: string, responseId: string, timeoutMs = 8000): Promise<string[]> {
  return h.fake.waitUntil(
    () => {
      const ids = sentFor(channel, responseId)
        .flatMap(idsOf)
        .filter((id) => FINAL.test(id));
      return ids.length ? ids : undefined;
    },
    `an answer in ${channel}`,
    timeoutMs,
  );
}

const REJECTED = /invalid_blocks|msg_blocks_too_long|msg_too_long|no_text/;

/** Whole-traffic invariants: nothing Slack would reject, no broadcast mention, no process-level fault. */
function assertClean(): void {
  assert.deepEqual(faults, []);
  const rejected = h.fake.calls.filter((c: FakeCall) => REJECTED.test(String(c.response.error ?? '')));
  assert.deepEqual(
    rejected.map((c) => [c.method, c.response.error, c.response.response_metadata]),
    [],
  );
  for (const r of h.fake.responses) {
    assert.equal(blockKitViolation(r.body.blocks), null, JSON.stringify(r.body).slice(0, 300));
    assert.ok(String(r.body.text ?? '').length > 0);
  }
  for (const payload of h.fake.allPayloads()) {
    assert.doesNotMatch(JSON.stringify(payload), /<!/);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- /cert texts

const privateV4 = fc
  .tuple(fc.constantFrom('10', '127', '192.168', '172.16', '169.254'), fc.nat(255), fc.nat(255))
  .map(([a, b, c]) => (a.includes('.') ? `${a}.${b}.${c}` : `${a}.${b}.${c}.1`));

const IPV6 = ['[::1]', '[::1]:8443', '::1', '[fe80::1%eth0]:443', '[fd12:3456::1]', '[::ffff:10.0.0.1]', 'fe80::1'];

const piece = fc.oneof(
  fc.constantFrom(
    '<!channel>',
    '<!here>',
    '<!everyone>',
    '<!subteam^S123|@ops>',
    '<https://x|y>',
    '<https://example.com|example.com>',
    '<mailto:a@b.example|a@b.example>',
    '<#C123|chan>',
    '<@U1>',
    '<@W1|bob>',
    '--json',
    '--ca',
    '--ca /etc/passwd',
    '--allow 0.0.0.0/0',
    'example.com:99999',
    'https://',
    '\u202eexample.com',
    'exa\u200bmple.com',
    'bücher.example',
    '🔒.example',
    '💥',
    '\u0000\u0007\u001b[31m',
    'smtp://mail.example:587',
    'ftp://[::1]',
    ...IPV6,
  ),
  privateV4,
  privateV4.map((ip) => `${ip}:${443}`),
  fc.stringMatching(/^[a-z0-9-]{1,70}(\.[a-z0-9-]{1,70}){1,5}$/),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const SUBS = ['check', 'CHECK', 'help', '?', 'recheck', 'fix', 'chain', 'watch', 'frobnicate', '<!channel>', ''];

const commandText = fc.oneof(
  fc.constantFrom('', ' ', '\t\n  ', 'x'.repeat(10_000), `check ${'a'.repeat(300)}.example`, 'check <!channel>'),
  fc.constantFrom(`check ${'a.'.repeat(200)}example`, `check ${'l'.repeat(64)}.example`, 'check 0', 'check 2130706433'),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.tuple(fc.constantFrom(...SUBS), fc.array(piece, { maxLength: 4 })).map(([sub, rest]) => [sub, ...rest].join(' ')),
);

/** What a /cert text may be answered with; a crash or a probe of anything reachable is none of them. */
// watch_unavailable: the watch subcommands, in an app started without the watch store (as this harness is)
const COMMAND_ANSWERS = /^(notice:(bad_input|not_in_thread|watch_unavailable)|help:|headline:address_blocked$)/;

test('/cert texts: acked in time, answered with a code (bad_input, help, address_blocked), never probed', async () => {
  await fc.assert(
    fc.asyncProperty(commandText, async (text) => {
      const { channel, responseId } = fresh();
      acked(await h.req.command({ text, channel, responseId }));
      const ids = await answer(channel, responseId);
      assert.ok(
        ids.every((id) => COMMAND_ANSWERS.test(id)),
        `${JSON.stringify(text.slice(0, 100))} → ${ids}`,
      );
      assertClean();
    }),
    { seed: SEED, numRuns: 120 },
  );
});

test('check of private, loopback, link-local and metadata addresses is refused with address_blocked', async () => {
  const v6 = IPV6.filter((t) => !t.includes('%'));
  const targets = ['10.0.0.1', '127.0.0.1:443', '169.254.169.254', '192.168.1.1:8443', ...v6, 'internal.corp'];
  for (const target of targets) {
    const { channel, responseId } = fresh();
    acked(await h.req.command({ text: `check ${target}`, channel, responseId }));
    const ids = await answer(channel, responseId);
    assert.deepEqual(
      ids.filter((id) => id.startsWith('headline:') || id.startsWith('notice:')),
      ['headline:address_blocked'],
      target,
    );
  }
  assertClean();
});

// ---------------------------------------------------------------- buttons

/** An incident in `home`, from a real (blocked) check. */
async function incidentIn(home: string): Promise<{ id: string; ts: string }> {
  acked(await h.req.command({ text: 'check 10.1.1.1', channel: home }));
  const { ts } = await h.fake.waitForDiagnosis(home);
  await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && c.args.channel === home);
  const incident = await h.store.getByMessage(home, ts);
  assert.ok(incident);
  return { id: incident.id, ts };
}

type Json = Record<string, unknown>;

interface ClickSpec {
  actionId: string;
  value: 'incident' | 'missing' | 'empty' | 'garbled' | 'huge' | 'number' | 'null';
  where: 'home' | 'other' | 'no_channel' | 'no_container' | 'neither';
  ts: 'incident' | 'unknown' | 'missing';
}

function clickPayload(spec: ClickSpec, home: string, incident: { id: string; ts: string }, responseUrl: string) {
  const channel = spec.where === 'other' ? `${home}-other` : home;
  const ts = spec.ts === 'incident' ? incident.ts : '1699999999.000001';
  const p = actionPayload({ actionId: spec.actionId, value: '', channel, messageTs: ts }, responseUrl) as Json;
  const action = (p.actions as Json[])[0];
  const values: Record<ClickSpec['value'], unknown> = {
    incident: incident.id,
    missing: undefined,
    empty: '',
    garbled: `${incident.id.slice(0, 4)}\u0000<!channel>'; DROP TABLE incidents;--`,
    huge: 'v'.repeat(200_000),
    number: 12345,
    null: null,
  };
  if (spec.value === 'missing') delete action.value;
  else action.value = values[spec.value];
  if (spec.where === 'no_channel' || spec.where === 'neither') delete p.channel;
  if (spec.where === 'no_container' || spec.where === 'neither') delete p.container;
  if (spec.ts === 'missing') {
    delete (p.message as Json).ts;
    if (p.container) delete (p.container as Json).message_ts;
  }
  return p;
}

/** Whether a click must reach the incident: a known action, its id, from its own channel. */
const legitimate = (s: ClickSpec) =>
  ['recheck', 'fix_guide', 'show_chain'].includes(s.actionId) &&
  s.value === 'incident' &&
  (s.where === 'home' || s.where === 'no_channel' || s.where === 'no_container');

const clickSpec: fc.Arbitrary<ClickSpec> = fc.record({
  actionId: fc.constantFrom('fix_guide', 'show_chain', 'recheck', 'no_such_action', ''),
  value: fc.constantFrom('incident', 'missing', 'empty', 'garbled', 'huge', 'number', 'null'),
  where: fc.constantFrom('home', 'other', 'no_channel', 'no_container', 'neither'),
  ts: fc.constantFrom('incident', 'unknown', 'missing'),
});

test('button payloads: missing or garbled values, unknown actions, missing channel, huge payloads', async () => {
  const home = 'CFZHOME';
  const incident = await incidentIn(home);
  await fc.assert(
    fc.asyncProperty(clickSpec, async (spec) => {
      const { responseId } = fresh();
      const threadBefore = h.fake.calls.filter((c) => c.args.thread_ts === incident.ts).length;
      acked(await h.req.interactive(clickPayload(spec, home, incident, h.fake.responseUrl(responseId))));
      const known = ['recheck', 'fix_guide', 'show_chain'].includes(spec.actionId);
      if (legitimate(spec)) {
        await h.fake.waitUntil(
          () => (h.fake.calls.filter((c) => c.args.thread_ts === incident.ts).length > threadBefore ? true : undefined),
          `a reply in the incident thread for ${JSON.stringify(spec)}`,
        );
      } else if (known) {
        const ids = await answer('-', responseId);
        assert.deepEqual(ids, ['notice:incident_not_found'], JSON.stringify(spec));
      } else {
        await sleep(QUIET_MS);
      }
      if (!legitimate(spec)) {
        const leaked = h.fake.calls.filter((c) => c.args.thread_ts === incident.ts).length - threadBefore;
        assert.equal(leaked, 0, `${JSON.stringify(spec)} posted in the incident's thread`);
      }
      assertClean();
    }),
    { seed: SEED, numRuns: 60, verbose: 2 },
  );
});

test('an incident id clicked from another channel is refused as not found and posts nothing there', async () => {
  const home = 'CFZPRIVATE';
  const incident = await incidentIn(home);
  const before = h.fake.calls.length;
  for (const actionId of ['show_chain', 'fix_guide', 'recheck']) {
    const { responseId } = fresh();
    const p = actionPayload(
      { actionId, value: incident.id, channel: 'CFZELSEWHERE', messageTs: '1699999999.000002' },
      h.fake.responseUrl(responseId),
    );
    acked(await h.req.interactive(p));
    assert.deepEqual(await answer('-', responseId), ['notice:incident_not_found'], actionId);
  }
  await sleep(QUIET_MS);
  assert.deepEqual(
    h.fake.calls.slice(before).map((c) => [c.method, c.args.channel]),
    [],
  );
  assertClean();
});

test('block_actions with no actions, an empty or odd actions list, or no user: acked, no crash', async () => {
  const mutations: [string, (p: Json) => void][] = [
    ['no actions', (p) => delete p.actions],
    ['actions []', (p) => Object.assign(p, { actions: [] })],
    ['actions null', (p) => Object.assign(p, { actions: null })],
    ['actions a string', (p) => Object.assign(p, { actions: 'recheck' })],
    ['action null', (p) => Object.assign(p, { actions: [null] })],
    ['no user', (p) => delete p.user],
    ['user a string', (p) => Object.assign(p, { user: 'U1' })],
    ['no type', (p) => delete p.type],
    ['unknown type', (p) => Object.assign(p, { type: 'no_such_interaction' })],
  ];
  for (const [name, mutate] of mutations) {
    const { channel, responseId } = fresh();
    const p = actionPayload(
      { actionId: 'show_chain', value: 'no-such-incident', channel, messageTs: '1699999999.000003' },
      h.fake.responseUrl(responseId),
    ) as Json;
    mutate(p);
    acked(await h.req.interactive(p));
    await sleep(QUIET_MS / 3);
    const ids = sentFor(channel, responseId).flatMap(idsOf);
    assert.ok(
      ids.every((id) => id === 'notice:incident_not_found'),
      `${name}: ${ids}`,
    );
  }
  await sleep(QUIET_MS);
  assertClean();
});

// ---------------------------------------------------------------- events

function mention(over: Json = {}, eventOver: Json = {}, drop: string[] = []): Json {
  const { channel } = fresh();
  const body = mentionCallback({ text: '<@UBOTDOCTOR> help', channel, ts: '1700000001.000001' });
  Object.assign(body, over);
  const event = body.event as Json;
  Object.assign(event, eventOver);
  for (const k of drop) delete event[k];
  return body;
}

const channelOf = (body: Json) => String((body.event as Json | undefined)?.channel ?? '');

test('events: a mention with no text, no thread_ts or no user is answered ephemerally; nothing crashes', async () => {
  const cases: [string, Json, string][] = [
    ['no text', mention({}, {}, ['text']), 'help:'],
    ['text null', mention({}, { text: null }), 'help:'],
    ['recheck outside a thread', mention({}, { text: '<@UBOTDOCTOR> recheck' }, ['thread_ts']), 'notice:not_in_thread'],
    ['recheck in an unknown thread', mention({}, { text: '<@UBOTDOCTOR> recheck', thread_ts: '1.2' }), 'notice:'],
    ['check <!channel>', mention({}, { text: '<@UBOTDOCTOR> check <!channel>' }), 'notice:bad_input'],
    ['unknown envelope type around a mention', { ...mention(), type: 'no_such_envelope' }, 'help:'],
    ['numeric event_id', { ...mention(), event_id: 42 }, 'help:'],
  ];
  for (const [name, body, want] of cases) {
    acked(await h.req.event(body));
    const ids = await answer(channelOf(body), '-');
    assert.ok(
      ids.some((id) => id.startsWith(want)),
      `${name}: ${ids}`,
    );
  }
  assertClean();
});

test('events the bot does not act on: acked, nothing posted, nothing crashes', async () => {
  const before = h.fake.calls.length;
  const cases: Json[] = [
    mention({}, {}, ['user']),
    mention({}, { bot_id: 'BOTHER', user: undefined }),
    mention({}, { type: 'message', subtype: 'message_changed', message: { text: '<@UBOTDOCTOR> check x' } }),
    mention({}, { type: 'reaction_added' }),
    mention({}, { type: 'no_such_event_type' }),
    mention({}, {}, ['channel']),
    mention({}, { user: 'UBOTDOCTOR' }),
    { ...mention(), event: undefined },
    { ...mention(), event: null },
    { ...mention(), event: 'app_mention' },
    { ...mention(), event: [] },
    { type: 'event_callback' },
    {},
  ];
  for (const body of cases) acked(await h.req.event(body));
  await sleep(QUIET_MS * 2);
  assert.deepEqual(
    h.fake.calls.slice(before).map((c) => [c.method, c.args.channel, c.args.user]),
    [],
  );
  assertClean();
});

test('duplicate event_id delivered twice concurrently: answered once', async () => {
  for (let i = 0; i < 5; i++) {
    const body = mention({}, { text: '<@UBOTDOCTOR> recheck' }, ['thread_ts']);
    const channel = channelOf(body);
    const [a, b] = await Promise.all([h.req.event(body), h.req.event(body)]);
    acked(a);
    acked(b);
    await answer(channel, '-');
    await sleep(QUIET_MS);
    assert.equal(h.fake.calls.filter((c) => c.args.channel === channel).length, 1);
  }
  assertClean();
});

// ---------------------------------------------------------------- malformed bodies

test('signed but malformed bodies → 400 (413 over the size limit), no crash, nothing posted', async () => {
  const before = h.fake.calls.length;
  const form = (payload: string) => new URLSearchParams({ payload }).toString();
  const cases: [string, string, string, number][] = [
    ['bad JSON in payload=', form('{"type":"block_actions",'), FORM, 400],
    ['payload=null', form('null'), FORM, 400],
    ['payload=42', form('42'), FORM, 400],
    ['payload="str"', form('"str"'), FORM, 400],
    ['payload=[]', form('[]'), FORM, 400],
    ['bad JSON body', '{"type":"event_callback",', 'application/json', 400],
    ['JSON null', 'null', 'application/json', 400],
    ['JSON array', '[{"type":"event_callback"}]', 'application/json', 400],
    ['JSON number', '7', 'application/json', 400],
    ['empty JSON body', '', 'application/json', 400],
    ['form body as text/plain', 'text=check+x&command=%2Fcert', 'text/plain', 400],
    ['JSON as form with charset', '{"type":"x"', `${FORM}; charset=utf-8`, 400],
    ['over 4 MB', `{"x":"${'a'.repeat(4.5 * 1024 * 1024)}"}`, 'application/json', 413],
  ];
  for (const [name, body, type, status] of cases) {
    const r = await h.req.send(body, type, {});
    assert.equal(r.status, status, `${name}: ${r.status} ${r.body}`);
    assert.ok(r.ackMs < ACK_LIMIT_MS, `${name}: ${r.ackMs} ms`);
  }
  await sleep(QUIET_MS);
  assert.equal(h.fake.calls.length, before);
  assertClean();
});
