/**
 * End to end: the real Bolt app (HTTP receiver, port 0) ↔ fake Slack Web API ↔ real SQLite file ↔ the
 * real check() against loopback TLS servers built from the test PKI. Assertions read finding codes from
 * block_ids, never prose. Ack times are measured on every request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FakeCall } from './support/fake-slack.js';
import { makeCert, makeChain, pemOf } from './support/pki.js';
import { startTlsServer } from './support/servers.js';
import { type Harness, startHarness } from './support/slack-harness.js';
import type { SentRequest } from './support/slack-requests.js';

type Running = Awaited<ReturnType<typeof startTlsServer>>;

let h: Harness;
const servers: Running[] = [];
/** ports of: a healthy server; one that omits its intermediate; one whose leaf CN is `<!channel>` */
const port = { good: 0, incomplete: 0, evil: 0, broken: 0 };
const ackTimes: number[] = [];
let trust: string[] = [];

before(async () => {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const evil = await makeChain({ leaf: { subject: 'CN=<!channel>' } });
  const expired = await makeCert(
    {
      subject: 'CN=<!here> & co',
      dnsNames: ['wrong.example'],
      notBefore: new Date(Date.now() - 400 * 86_400_000),
      notAfter: new Date(Date.now() - 2 * 86_400_000),
      key: { type: 'rsa', bits: 1024 },
      signatureHash: 'SHA-1',
    },
    chain.intermediates[0],
  );
  const start = async (certPem: string, keyPem: string, ciphers?: string) => {
    const s = await startTlsServer({ certPem, keyPem, ciphers });
    servers.push(s);
    return s.port;
  };
  port.good = await start(chain.fullchainPem, chain.leaf.keyPem);
  port.incomplete = await start(chain.leaf.pem, chain.leaf.keyPem);
  port.evil = await start(evil.fullchainPem, evil.leaf.keyPem);
  port.broken = await start(pemOf(expired, chain.root, chain.intermediates[0]), expired.keyPem, 'DEFAULT:@SECLEVEL=0');
  trust = [chain.root.pem, evil.root.pem];
  h = await startHarness({ extraCaPem: trust });
});

after(async () => {
  await h?.close();
  await Promise.all(servers.map((s) => s.close()));
  if (ackTimes.length) {
    const sorted = [...ackTimes].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1);
    console.log(`# ack ms over ${sorted.length} requests: p50 ${p(0.5)}, max ${p(1)}`);
  }
});

/** Every request Slack would send must be acked with 200 well within Slack's 3 s. */
function acked(r: SentRequest): SentRequest {
  ackTimes.push(r.ackMs);
  assert.equal(r.status, 200, r.body);
  assert.ok(r.ackMs < 3000, `ack took ${r.ackMs} ms`);
  return r;
}

const ids = (c: FakeCall): string[] =>
  ((c.args.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id ?? '');
const hasId = (prefix: string) => (c: FakeCall) => ids(c).some((id) => id.startsWith(prefix));
const inChannel = (channel: string) => (c: FakeCall) => c.args.channel === channel;

/** Runs `/cert check` in `channel`, waits for the diagnosis parent; returns the parent's ts and calls. */
async function checkIn(channel: string, target: string, on: Harness = h) {
  acked(await on.req.command({ text: `check ${target}`, channel }));
  const posted = await on.fake.waitFor(
    'chat.postMessage',
    (c) => inChannel(channel)(c) && !c.args.thread_ts && c.response.ok === true,
  );
  const ts = String(posted.response.ts);
  const parent = await on.fake.waitFor('chat.update', (c) => c.args.ts === ts && hasId('headline:')(c), 10_000);
  return { ts, posted, parent };
}

test('/cert check: ack < 3 s, "Checking…" posted, updated in place with the diagnosis, findings in thread', async () => {
  const { ts, posted, parent } = await checkIn('C-flow', `127.0.0.1:${port.incomplete}`);
  assert.ok(hasId('progress:')(posted));
  assert.ok(ids(parent).includes('headline:chain_incomplete'), ids(parent).join(' '));
  assert.ok(String(parent.args.text).length > 0);
  const actions = (parent.args.blocks as { type: string; elements?: { action_id: string }[] }[]).find(
    (b) => b.type === 'actions',
  );
  assert.deepEqual(
    actions?.elements?.map((e) => e.action_id),
    ['recheck', 'fix_guide', 'show_chain', 'watch'],
  );
  const thread = await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts);
  assert.ok(ids(thread).includes('finding:chain_incomplete:0'), ids(thread).join(' '));
  const incident = await h.store.getByMessage('C-flow', ts);
  assert.equal(incident?.status, 'open');
});

test('Re-check button: delta in the thread and the parent updated; Show chain and Fix guide reply in thread', async () => {
  const { ts } = await checkIn('C-btn', `127.0.0.1:${port.good}`);
  const incident = await h.store.getByMessage('C-btn', ts);
  assert.ok(incident);
  const before = h.fake.callsOf('chat.update').filter((c) => c.args.ts === ts).length;
  acked(await h.req.click({ actionId: 'recheck', value: incident.id, channel: 'C-btn', messageTs: ts }));
  const delta = await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('verdict:')(c));
  assert.ok(ids(delta).some((id) => id.startsWith('status:')));
  await h.fake.waitUntil(
    () => (h.fake.callsOf('chat.update').filter((c) => c.args.ts === ts).length > before ? true : undefined),
    'parent update after re-check',
  );
  acked(await h.req.click({ actionId: 'show_chain', value: incident.id, channel: 'C-btn', messageTs: ts }));
  await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('chain:sent')(c));
  acked(await h.req.click({ actionId: 'fix_guide', value: incident.id, channel: 'C-btn', messageTs: ts }));
  await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('fix_guide')(c));
});

test('@cert-doctor recheck in the diagnosis thread re-checks that incident; a retried delivery posts once', async () => {
  const { ts } = await checkIn('C-mention', `127.0.0.1:${port.incomplete}`);
  const mention = {
    text: '<@UBOTDOCTOR> recheck',
    channel: 'C-mention',
    ts: '1700000099.000001',
    threadTs: ts,
    eventId: 'EvRECHECK1',
  };
  acked(await h.req.mention(mention));
  const delta = await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('delta:still:')(c));
  assert.ok(ids(delta).some((id) => id.startsWith('delta:still:chain_incomplete')));
  acked(await h.req.mention(mention, 1));
  acked(await h.req.mention(mention, 2));
  // A duplicate would re-probe loopback (tens of ms) before replying; give it ample time to show up.
  await new Promise((r) => setTimeout(r, 500));
  const deltas = h.fake.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === ts && hasId('delta:')(c));
  assert.equal(deltas.length, 1);
});

test('signature: unsigned → 401, wrong secret → 401, stale timestamp (> 5 min) → 401; nothing reaches Slack', async () => {
  const calls = h.fake.calls.length;
  const unsigned = await h.req.command({ text: 'check example.com', channel: 'C-sec' }, { unsigned: true });
  const wrong = await h.req.command({ text: 'check example.com', channel: 'C-sec' }, { secret: 'not-the-secret' });
  const stale = await h.req.command(
    { text: 'check example.com', channel: 'C-sec' },
    { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
  );
  assert.deepEqual([unsigned.status, wrong.status, stale.status], [401, 401, 401]);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(h.fake.calls.filter((c) => c.args.channel === 'C-sec').length, 0);
  assert.ok(h.fake.calls.length >= calls);
  const fresh = acked(await h.req.urlVerification('chal-123'));
  assert.equal(JSON.parse(fresh.body).challenge, 'chal-123');
});

test('not_in_channel: the answer goes to the response_url, ephemeral, with the invite note', async () => {
  h.fake.notInChannel.add('C-private');
  acked(await h.req.command({ text: `check 127.0.0.1:${port.incomplete}`, channel: 'C-private', responseId: 'priv1' }));
  const note = await h.fake.waitForResponse((r) => r.id === 'priv1');
  assert.equal(note.body.response_type, 'ephemeral');
  const noteIds = (note.body.blocks as { block_id: string }[]).map((b) => b.block_id);
  assert.ok(noteIds.includes('notice:not_in_channel'));
  assert.match(JSON.stringify(note.body), /\/invite @cert-doctor/);
  const diagnosis = await h.fake.waitForResponse(
    (r) => r.id === 'priv1' && JSON.stringify(r.body).includes('headline:chain_incomplete'),
    10_000,
  );
  assert.equal(diagnosis.body.replace_original, true);
});

test('429 with Retry-After: the post is retried after the wait and delivered once', async () => {
  h.fake.injectFault('chat.postMessage', { status: 429, retryAfter: 1 });
  const started = Date.now();
  acked(await h.req.command({ text: `check 127.0.0.1:${port.good}`, channel: 'C-429' }));
  const ok = await h.fake.waitFor('chat.postMessage', (c) => inChannel('C-429')(c) && c.status === 200, 10_000);
  const rejected = h.fake.callsOf('chat.postMessage').filter((c) => inChannel('C-429')(c) && c.status === 429);
  assert.equal(rejected.length, 1);
  assert.ok(ok.at - rejected[0].at >= 900, `retried after ${ok.at - rejected[0].at} ms`);
  assert.ok(Date.now() - started < 8000);
  await h.fake.waitFor('chat.update', (c) => inChannel('C-429')(c) && hasId('headline:')(c), 10_000);
  assert.equal(
    h.fake.callsOf('chat.postMessage').filter((c) => inChannel('C-429')(c) && !c.args.thread_ts && c.status === 200)
      .length,
    1,
  );
});

test('HTTP 500 once: retried by the client and delivered', async () => {
  h.fake.injectFault('chat.update', { status: 500 });
  await checkIn('C-500', `127.0.0.1:${port.good}`);
  assert.ok(h.fake.callsOf('chat.update').some((c) => inChannel('C-500')(c) && c.status === 500));
});

test('a certificate CN of <!channel> is escaped in every payload sent to Slack', async () => {
  const { ts } = await checkIn('C-evil', `127.0.0.1:${port.evil}`);
  const incident = await h.store.getByMessage('C-evil', ts);
  acked(await h.req.click({ actionId: 'show_chain', value: incident!.id, channel: 'C-evil', messageTs: ts }));
  const chain = await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('chain:sent')(c));
  assert.match(JSON.stringify(chain.args), /&lt;!channel&gt;/);
  for (const payload of h.fake.allPayloads()) {
    assert.doesNotMatch(JSON.stringify(payload), /<!(channel|here|everyone)/);
  }
});

test('a diagnosis with many findings never yields invalid_blocks or msg_blocks_too_long', async () => {
  const { ts, parent } = await checkIn('C-many', `127.0.0.1:${port.broken}`);
  assert.ok(ids(parent).includes('verdict:critical'));
  const replies = await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts);
  assert.ok(ids(replies).filter((id) => id.startsWith('finding:')).length >= 3, ids(replies).join(' '));
  const incident = await h.store.getByMessage('C-many', ts);
  acked(await h.req.click({ actionId: 'fix_guide', value: incident!.id, channel: 'C-many', messageTs: ts }));
  await h.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('fix_guide')(c));
  const rejected = h.fake.calls.filter(
    (c) => inChannel('C-many')(c) && /invalid_blocks|msg_blocks_too_long|msg_too_long/.test(String(c.response.error)),
  );
  assert.deepEqual(rejected, []);
});

test('incidents survive a restart: a new app on the same SQLite file re-checks an old incident', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-restart-'));
  const dbPath = join(dir, 'incidents.db');
  const first = await startHarness({ dbPath, extraCaPem: trust });
  const { ts } = await checkIn('C-restart', `127.0.0.1:${port.incomplete}`, first);
  const id = (await first.store.getByMessage('C-restart', ts))?.id;
  await first.close();
  const second = await startHarness({ dbPath, extraCaPem: trust });
  try {
    assert.ok(id);
    acked(await second.req.click({ actionId: 'recheck', value: id, channel: 'C-restart', messageTs: ts }));
    const delta = await second.fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === ts && hasId('delta:')(c));
    assert.ok(
      ids(delta).some((x) => x.startsWith('delta:still:chain_incomplete')),
      ids(delta).join(' '),
    );
  } finally {
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid_blocks (never expected) is logged and the message retried once as text only', async () => {
  h.fake.injectFault('chat.postMessage', { error: 'invalid_blocks' });
  const { posted } = await checkIn('C-invalid', `127.0.0.1:${port.good}`);
  assert.equal(posted.args.blocks, undefined);
  assert.ok(String(posted.args.text).length > 0);
  const first = h.fake.callsOf('chat.postMessage').filter((c) => inChannel('C-invalid')(c));
  assert.deepEqual(
    first.slice(0, 2).map((c) => c.response.error ?? 'ok'),
    ['invalid_blocks', 'ok'],
  );
});

test('abuse limits over Slack: a second check within the per-user budget is refused ephemerally with a wait', async () => {
  const limited = await startHarness({ env: { CERT_DOCTOR_CHECKS_PER_MINUTE: '1' } });
  try {
    acked(await limited.req.command({ text: 'check 127.0.0.1:1', channel: 'C-rl', user: 'U-rl', responseId: 'rl1' }));
    acked(await limited.req.command({ text: 'check 127.0.0.1:1', channel: 'C-rl', user: 'U-rl', responseId: 'rl2' }));
    const refusal = await limited.fake.waitForResponse((r) => r.id === 'rl2');
    assert.equal(refusal.body.response_type, 'ephemeral');
    assert.match(JSON.stringify(refusal.body.blocks), /"notice:rate_limited"/);
    await limited.fake.waitFor('chat.update', (c) => inChannel('C-rl')(c) && hasId('headline:connection_refused')(c));
    assert.equal(limited.fake.callsOf('chat.postMessage').filter(inChannel('C-rl')).length, 1);
  } finally {
    await limited.close();
  }
});
