/**
 * Malformed Socket Mode envelopes against the real app (SLACK_APP_TOKEN set) over the fake Socket Mode endpoint:
 * no envelope_id, unknown types, payloads that are not objects, messages that are not JSON objects. The process
 * must record no unhandled rejection or uncaught exception, the connection must stay the one it was (no close,
 * no reconnect), and a well-formed command right after each must still be acked and answered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hasBlockId } from './support/fake-slack.js';
import { type SocketHarness, startSocketHarness } from './support/slack-harness.js';
import { mentionCallback } from './support/slack-requests.js';

let h: SocketHarness;
const faults: unknown[] = [];
const onFault = (err: unknown) => faults.push(err);

before(async () => {
  process.on('unhandledRejection', onFault);
  process.on('uncaughtException', onFault);
  h = await startSocketHarness();
});

after(async () => {
  await h?.close();
  process.off('unhandledRejection', onFault);
  process.off('uncaughtException', onFault);
});

const mention = mentionCallback({ text: '<@UBOTDOCTOR> help', channel: 'CSOCKMENTION', ts: '1700000001.000001' });
const { event: _event, ...mentionWithoutEvent } = mention;

/** Each is sent as the raw text of one WebSocket message. */
const MALFORMED: [string, string][] = [
  ['not JSON', '{"envelope_id":'],
  ['JSON null', 'null'],
  ['JSON array', '[{"type":"events_api"}]'],
  ['JSON number', '42'],
  ['JSON string', '"hello"'],
  ['no type, no envelope_id', '{}'],
  ['unknown type', JSON.stringify({ envelope_id: 'env-unknown', type: 'no_such_type', payload: {} })],
  ['type "error"', JSON.stringify({ envelope_id: 'env-error', type: 'error', payload: {} })],
  ['type not a string', JSON.stringify({ envelope_id: 'env-num', type: 7, payload: {} })],
  ['events_api, payload null', JSON.stringify({ envelope_id: 'env-p-null', type: 'events_api', payload: null })],
  ['events_api, payload a string', JSON.stringify({ envelope_id: 'env-p-str', type: 'events_api', payload: 'x' })],
  ['events_api, no payload', JSON.stringify({ envelope_id: 'env-p-none', type: 'events_api' })],
  [
    'events_api, no event',
    JSON.stringify({ envelope_id: 'env-no-event', type: 'events_api', payload: mentionWithoutEvent }),
  ],
  [
    'events_api, event null',
    JSON.stringify({ envelope_id: 'env-ev-null', type: 'events_api', payload: { ...mention, event: null } }),
  ],
  ['interactive, payload 42', JSON.stringify({ envelope_id: 'env-i-num', type: 'interactive', payload: 42 })],
  ['interactive, payload null', JSON.stringify({ envelope_id: 'env-i-null', type: 'interactive', payload: null })],
  ['slash_commands, payload []', JSON.stringify({ envelope_id: 'env-s-arr', type: 'slash_commands', payload: [] })],
  [
    'slash_commands, no envelope_id',
    JSON.stringify({ type: 'slash_commands', payload: { command: '/cert', text: 'help', channel_id: 'CSOCKNOID' } }),
  ],
];

test('malformed envelopes: no crash, no disconnect, and the next command is still acked and answered', async () => {
  const connection = h.socket.connections.length;
  for (const [i, [name, raw]] of MALFORMED.entries()) {
    h.socket.sendRaw(raw);
    const channel = `CSOCK${i}`;
    const ack = await h.socket.command({ text: 'check', channel, responseId: `sock${i}` });
    assert.ok(ack.ackMs < 3000, `${name}: the next ack took ${ack.ackMs} ms`);
    await h.fake.waitForResponse((r) => r.id === `sock${i}`);
    assert.deepEqual(faults, [], name);
    assert.equal(h.socket.connections.length, connection, `${name}: the client reconnected`);
    assert.equal(h.socket.open, 1, name);
  }
  assert.equal(h.socket.connections.at(-1)?.closed, undefined);
});

test('a well-formed mention still works after the malformed traffic', async () => {
  await h.socket.mention({ text: '<@UBOTDOCTOR> nonsense', channel: 'CSOCKLAST', ts: '1700000002.000001' });
  await h.fake.waitFor('chat.postEphemeral', (c) => c.args.channel === 'CSOCKLAST' && hasBlockId('help:')(c));
  assert.deepEqual(faults, []);
});

test('slash command envelopes with wrong field types are dropped before Bolt (text twice, no user_id)', async () => {
  const bad = [
    { command: '/cert', text: ['check a.example', 'check b.example'], user_id: 'U1', channel_id: 'CSB1' },
    { command: '/cert', text: 'check a.example', channel_id: 'CSB2' },
  ];
  for (const [i, payload] of bad.entries()) {
    const response_url = h.fake.responseUrl(`sock-bad${i}`);
    h.socket.sendRaw(
      JSON.stringify({ envelope_id: `env-bad${i}`, type: 'slash_commands', payload: { ...payload, response_url } }),
    );
  }
  // a good command after them is answered: by then the bad ones would have been too
  await h.socket.command({ text: 'help', channel: 'CSBOK', responseId: 'sock-bad-ok' });
  await h.fake.waitForResponse((r) => r.id === 'sock-bad-ok');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(h.fake.responses.filter((r) => r.id.startsWith('sock-bad') && r.id !== 'sock-bad-ok').length, 0);
  assert.equal(h.fake.callsOf('chat.postMessage').filter((c) => /^CSB\d/.test(String(c.args.channel))).length, 0);
  assert.deepEqual(faults, []);
});
