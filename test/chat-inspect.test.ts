/**
 * `/cert inspect` in chat (issue 9 item 5): a pasted PEM (slash command), a certificate file shared with a
 * mention (downloaded with the bot token from the local fake Slack, size-capped), a local path in the shell
 * bot; a pasted or uploaded private key gets only an ephemeral "treat it as leaked" and is never echoed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Chain, makeChain, pemOf } from './support/pki.js';
import { driveShell } from './support/shell.js';
import { type Harness, startHarness } from './support/slack-harness.js';

let h: Harness;
let c: Chain;
let dir: string;
const keyBody = () => c.leaf.keyPem.split('\n')[1]!;

before(async () => {
  c = await makeChain({ leaf: { subject: 'CN=app.test', dnsNames: ['app.test'] } });
  dir = mkdtempSync(join(tmpdir(), 'chat-inspect-'));
  h = await startHarness({ extraCaPem: [c.root.pem] });
});
after(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every byte the bot sent to Slack (Web API calls and response_url posts). */
const everything = () => JSON.stringify([h.fake.calls.map((x) => x.args), h.fake.responses.map((r) => r.body)]);

test('slash command with a pasted PEM: the diagnosis is posted with its chain view in the thread', async () => {
  const text = `inspect ${pemOf(c.intermediates[0]!, c.leaf).replace(/\n/g, ' ')}`;
  const sent = await h.req.command({ text, channel: 'C-insp' });
  assert.equal(sent.status, 200);
  const parent = await h.fake.waitFor('chat.postMessage', (x) => x.args.channel === 'C-insp' && !x.args.thread_ts);
  const ts = String((parent.response as { ts: string }).ts);
  const thread = await h.fake.waitFor(
    'chat.postMessage',
    (x) => x.args.thread_ts === ts && JSON.stringify(x.args).includes('chain:'),
  );
  assert.ok(thread);
  const posted = JSON.stringify(h.fake.calls.filter((x) => x.args.channel === 'C-insp').map((x) => x.args));
  assert.match(posted, /chain_order/);
  assert.doesNotMatch(posted, /chain_incomplete/, "the bot's own trust anchors count");
});

test('a pasted private key is answered ephemerally as leaked, and never echoed', async () => {
  const before = h.fake.calls.length;
  await h.req.command({ text: `inspect ${c.leaf.keyPem.replace(/\n/g, ' ')}`, channel: 'C-key', responseId: 'key1' });
  const notice = await h.fake
    .waitForResponse((r) => r.id === 'key1')
    .catch(async () => h.fake.waitFor('chat.postEphemeral', (x) => x.args.channel === 'C-key'));
  assert.match(JSON.stringify(notice), /Treat it as leaked/);
  assert.ok(!everything().includes(keyBody()), 'the key never reaches Slack');
  assert.equal(h.fake.callsOf('chat.postMessage').filter((x) => x.args.channel === 'C-key').length, 0);
  assert.ok(h.fake.calls.length >= before);
});

test('a file shared with a mention is downloaded with the bot token and diagnosed; oversize files are refused', async () => {
  const url = h.fake.shareFile('F1', Buffer.from(pemOf(c.leaf, c.intermediates[0]!)));
  await h.req.mention({
    text: '<@UBOTDOCTOR> inspect',
    channel: 'C-file',
    ts: '1700000200.000001',
    files: [{ name: 'fullchain.pem', size: 4000, url_private_download: url }],
  });
  const parent = await h.fake.waitFor('chat.postMessage', (x) => x.args.channel === 'C-file' && !x.args.thread_ts);
  assert.ok(parent);
  assert.deepEqual(
    h.fake.downloads.map((d) => [d.id, d.authorization]),
    [['F1', 'Bearer xoxb-test-token']],
  );

  const big = h.fake.shareFile('F2', Buffer.alloc(10));
  await h.req.mention({
    text: '<@UBOTDOCTOR> inspect',
    channel: 'C-big',
    ts: '1700000201.000001',
    files: [{ name: 'huge.pem', size: 50_000_000, url_private_download: big }],
  });
  const refused = await h.fake.waitFor('chat.postEphemeral', (x) => x.args.channel === 'C-big');
  assert.match(JSON.stringify(refused.args), /up to 262144 bytes/);
  assert.equal(h.fake.downloads.filter((d) => d.id === 'F2').length, 0, 'not downloaded');
});

test('an uploaded private key is answered as leaked, never posted', async () => {
  const url = h.fake.shareFile('F3', Buffer.from(c.leaf.keyPem + c.leaf.pem));
  await h.req.mention({
    text: '<@UBOTDOCTOR> inspect',
    channel: 'C-upkey',
    ts: '1700000202.000001',
    files: [{ name: 'server.pem', size: 3000, url_private_download: url }],
  });
  const notice = await h.fake.waitFor('chat.postEphemeral', (x) => x.args.channel === 'C-upkey');
  assert.match(JSON.stringify(notice.args), /Treat it as leaked/);
  assert.ok(!everything().includes(keyBody()));
  assert.equal(h.fake.callsOf('chat.postMessage').filter((x) => x.args.channel === 'C-upkey').length, 0);
});

test('shell bot: inspect PATH diagnoses a local file; a pasted key is answered as leaked', async () => {
  writeFileSync(join(dir, 'shuffled.pem'), pemOf(c.intermediates[0]!, c.leaf));
  const sh = driveShell({ extraCaPem: [c.root.pem] });
  const out = await sh.send(`inspect ${join(dir, 'shuffled.pem')}`);
  assert.match(out, /chain_order/);
  const key = await sh.send(`inspect ${c.leaf.keyPem.split('\n').slice(0, 2).join(' ')}`);
  assert.match(key, /Treat it as leaked/);
  assert.ok(!key.includes(keyBody()));
  assert.match(await sh.send(`inspect ${join(dir, 'missing.pem')}`), /no such file/);
  await sh.send('exit');
});
