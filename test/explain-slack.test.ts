/**
 * `/cert explain` end to end through the real Bolt app (HTTP receiver) and the fake Slack Web API, against a
 * loopback TLS server that omits its intermediate: the explanation is posted with the cause's code in a block_id,
 * marked as seen on the server. Slack's own escaping of the pasted text (&lt; &gt; &amp;, <url|label>) is undone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { unslack } from '../commands/explain.js';
import type { FakeCall } from './support/fake-slack.js';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';
import { type Harness, startHarness } from './support/slack-harness.js';

let h: Harness;
let server: Running;

before(async () => {
  const chain = await makeChain({});
  server = await startTlsServer({ certPem: chain.leaf.pem, keyPem: chain.leaf.keyPem });
  h = await startHarness({ extraCaPem: [chain.root.pem] });
});

after(async () => {
  await h?.close();
  await server?.close();
});

const ids = (c: FakeCall): string[] =>
  ((c.args.blocks as { block_id?: string }[] | undefined) ?? []).map((b) => b.block_id ?? '');

test('/cert explain: acked, explanation posted with the cause code as a block_id and the live check joined', async () => {
  const error = `aiohttp.client_exceptions.ClientConnectorCertificateError: Cannot connect to host 127.0.0.1:${server.port} ssl:True [SSLCertVerificationError: (1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')]`;
  const r = await h.req.command({ text: `explain ${error}`, channel: 'C_EXPLAIN' });
  assert.equal(r.status, 200, r.body);
  assert.ok(r.ackMs < 3000, `ack took ${r.ackMs} ms`);
  const posted = await h.fake.waitFor(
    'chat.postMessage',
    (c) => c.args.channel === 'C_EXPLAIN' && ids(c).includes('explain:cause:chain_incomplete'),
    15_000,
  );
  assert.ok(ids(posted).includes('explain:server'), `blocks: ${ids(posted)}`);
  const cause = (posted.args.blocks as { block_id?: string; text?: { text: string } }[]).find(
    (b) => b.block_id === 'explain:cause:chain_incomplete',
  );
  assert.match(cause?.text?.text ?? '', /seen on the server/);
});

test("unslack: Slack's escaping of pasted text is undone", () => {
  const cases: [string, string][] = [
    ['Get "<https://a.example/v2/|https://a.example/v2/>": x509: …', 'Get "https://a.example/v2/": x509: …'],
    ['x &lt;host&gt; &amp; y', 'x <host> & y'],
    ['```curl: (60) SSL certificate problem```', 'curl: (60) SSL certificate problem'],
    ['<https://b.example>', 'https://b.example'],
  ];
  for (const [raw, want] of cases) assert.equal(unslack(raw), want, raw);
});
