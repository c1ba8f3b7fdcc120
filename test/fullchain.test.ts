/**
 * The corrected fullchain.pem in the diagnosis thread: uploaded through the real Bolt client's files.uploadV2
 * to the fake Slack (URL, upload POST, completion), on re-check again only when the file changed (else a
 * fullchain_unchanged notice), written to disk by the shell port, golden comment text,
 * and never offered when the path did not verify.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { offerFullchain } from '../src/chat/fullchain.js';
import { ShellPort } from '../src/chat/shell/port.js';
import { check } from '../src/check.js';
import { correctedFullchain } from '../src/fixes/fullchain.js';
import { fullchainUpload } from '../src/render/fullchain.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type Chain, makeCert, makeChain, pemOf } from './support/pki.js';
import { diagnoseSpec } from './support/rulecases.js';
import { type Running, startTlsServer } from './support/servers.js';
import { driveShell } from './support/shell.js';
import { type Harness, startHarness } from './support/slack-harness.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), 'golden');
let chain: Chain;
let h: Harness;
const servers: Running[] = [];
const port = { misordered: 0, good: 0, untrusted: 0 };

before(async () => {
  chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const stranger = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const start = async (certPem: string, keyPem: string) => {
    const s = await startTlsServer({ certPem, keyPem, headers: { Server: 'nginx/1.25.3' } });
    servers.push(s);
    return s.port;
  };
  port.misordered = await start(pemOf(chain.leaf, chain.root, chain.intermediates[0]!), chain.leaf.keyPem);
  port.good = await start(chain.fullchainPem, chain.leaf.keyPem);
  port.untrusted = await start(pemOf(stranger.leaf, stranger.root, stranger.intermediates[0]!), stranger.leaf.keyPem);
  h = await startHarness({ extraCaPem: [chain.root.pem] });
});
after(async () => {
  await h?.close();
  await Promise.all(servers.map((s) => s.close()));
});

const run = (p: number): Promise<Diagnosis> =>
  check(`https://localhost:${p}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 5_000,
  });

test('a misordered chain with the root: fullchain.pem is leaf then intermediate, no root; nginx line; diff', async () => {
  const d = await run(port.misordered);
  const file = correctedFullchain(d);
  assert.ok(file, d.findings.map((f) => f.code).join(' '));
  assert.equal(file.pem, chain.leaf.pem + chain.intermediates[0]!.pem);
  assert.deepEqual(file.reasons, ['misordered', 'extras']);
  assert.equal(file.stack, 'nginx');
  assert.match(file.diff, /\(-1 removed\)$/);
});

test('nothing is offered for a good chain, or for a path that does not reach a trusted root', async () => {
  assert.equal(correctedFullchain(await run(port.good)), null);
  assert.equal(correctedFullchain(await run(port.untrusted)), null);
});

test('golden: the comment that goes with the file (misordered chain with its root, nginx)', async () => {
  const d = await diagnoseSpec({
    send: (c) => [c.leaf.info, c.root.info, ...c.intermediates.map((i) => i.info)],
    chain: { outOfOrder: true, rootSentAt: 1 },
    http: { server: 'nginx/1.25.3' },
  });
  const file = correctedFullchain(d);
  assert.ok(file);
  const actual = `${fullchainUpload(file, d.target).comment}\n`;
  const path = join(goldenDir, 'fullchain-comment.txt');
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(path, actual);
  }
  assert.ok(existsSync(path), 'missing golden fullchain-comment.txt: run with UPDATE_GOLDEN=1');
  assert.equal(actual, readFileSync(path, 'utf8'));
});

test('Slack: /cert check uploads fullchain.pem into the diagnosis thread via files.uploadV2', async () => {
  await h.req.command({ text: `check localhost:${port.misordered}`, channel: 'C-full' });
  const posted = await h.fake.waitFor('chat.postMessage', (c) => c.args.channel === 'C-full' && !c.args.thread_ts);
  const ts = String(posted.response.ts);
  const upload = await h.fake.waitUntil(
    () => [...h.fake.uploads.values()].find((u) => u.completed && u.threadTs === ts),
    'completed upload',
    10_000,
  );
  assert.equal(upload.channel, 'C-full');
  assert.equal(upload.filename, 'fullchain.pem');
  assert.equal(upload.content, chain.leaf.pem + chain.intermediates[0]!.pem);
  assert.ok(h.fake.callsOf('files.getUploadURLExternal').length >= 1);
});

test('Slack: an upload refused (missing_scope) becomes a notice in the thread; the diagnosis stands', async () => {
  h.fake.injectFault('files.getUploadURLExternal', { error: 'missing_scope' });
  await h.req.command({ text: `check localhost:${port.misordered}`, channel: 'C-noscope' });
  const posted = await h.fake.waitFor('chat.postMessage', (c) => c.args.channel === 'C-noscope' && !c.args.thread_ts);
  const ts = String(posted.response.ts);
  const notice = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.args.thread_ts === ts && /missing_scope/.test(String(c.args.text)),
    10_000,
  );
  assert.ok(notice);
  assert.ok(await h.store.getByMessage('C-noscope', ts));
});

const uploadsIn = (ts: string) => [...h.fake.uploads.values()].filter((u) => u.completed && u.threadTs === ts);

async function checkInSlack(channel: string, p: number): Promise<string> {
  await h.req.command({ text: `check localhost:${p}`, channel });
  const posted = await h.fake.waitFor('chat.postMessage', (c) => c.args.channel === channel && !c.args.thread_ts);
  const ts = String(posted.response.ts);
  await h.fake.waitUntil(() => uploadsIn(ts)[0], 'first upload', 10_000);
  return ts;
}

async function recheckInSlack(channel: string, ts: string): Promise<void> {
  const incident = await h.store.getByMessage(channel, ts);
  assert.ok(incident);
  const deltas = () =>
    h.fake
      .callsOf('chat.postMessage')
      .filter((c) => c.args.thread_ts === ts && /delta:/.test(JSON.stringify(c.args.blocks)));
  const before = deltas().length;
  await h.req.click({ actionId: 'recheck', value: incident.id, channel, messageTs: ts });
  await h.fake.waitUntil(() => (deltas().length > before ? true : undefined), 're-check delta', 10_000);
}

test('Slack: a re-check that finds the same broken chain says the file above still applies, no second copy', async () => {
  const ts = await checkInSlack('C-recheck-same', port.misordered);
  await recheckInSlack('C-recheck-same', ts);
  const notice = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.args.thread_ts === ts && JSON.stringify(c.args.blocks).includes('notice:fullchain_unchanged'),
    10_000,
  );
  assert.ok(notice);
  assert.equal(uploadsIn(ts).length, 1);
});

test('Slack: a re-check after the leaf was renewed (chain still misordered) hands over the new fullchain.pem', async () => {
  const renewable = await startTlsServer({
    certPem: pemOf(chain.leaf, chain.root, chain.intermediates[0]!),
    keyPem: chain.leaf.keyPem,
    headers: { Server: 'nginx/1.25.3' },
  });
  servers.push(renewable);
  const ts = await checkInSlack('C-recheck-renewed', renewable.port);
  const renewed = await makeCert({ ...chain.leaf.spec, serial: undefined }, chain.intermediates[0]!);
  renewable.server.setSecureContext({
    cert: pemOf(renewed, chain.root, chain.intermediates[0]!),
    key: renewed.keyPem,
  });
  await recheckInSlack('C-recheck-renewed', ts);
  const second = await h.fake.waitUntil(() => uploadsIn(ts)[1], 'second upload', 10_000);
  assert.equal(second.content, renewed.pem + chain.intermediates[0]!.pem);
  assert.equal(
    h.fake
      .callsOf('chat.postMessage')
      .some((c) => c.args.thread_ts === ts && JSON.stringify(c.args.blocks).includes('notice:fullchain_unchanged')),
    false,
  );
});

test('shell bot: /cert check writes fullchain.pem; the re-check ("1") says it is unchanged instead of writing it again', async () => {
  const sh = driveShell({ extraCaPem: [chain.root.pem] });
  try {
    const first = await sh.send(`/cert check localhost:${port.misordered}`);
    assert.match(first, /📎 fullchain\.pem .*written to /);
    const again = await sh.send('1');
    assert.match(again, /\[fullchain_unchanged\]/);
    assert.doesNotMatch(again, /written to /);
    await sh.send('quit');
    await sh.session.done;
  } finally {
    await sh.end().catch(() => undefined);
  }
});

test('shell: the file is written to disk and its path printed in the thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fullchain-'));
  const printed: string[] = [];
  const sink = {
    write: (s: string) => {
      printed.push(s);
      return true;
    },
  } as NodeJS.WritableStream;
  const where = await offerFullchain(
    new ShellPort(sink, { fileDir: dir }),
    { channel: 'shell', ts: '1' },
    await run(port.misordered),
  );
  assert.ok(where?.startsWith(dir), String(where));
  if (!where) return;
  const out = printed.join('');
  assert.equal(readFileSync(where, 'utf8'), chain.leaf.pem + chain.intermediates[0]!.pem);
  assert.ok(out.includes(where));
});
