/**
 * The watch commands through the router with a recording port, a real in-memory store and the real
 * check() against a loopback server: argument validation (one line quoting the input), the Watch
 * expiry button on a diagnosis, the thread word, and the view-models list and history produce.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { handleAction } from '../commands/actions.js';
import { routeCommand } from '../commands/router.js';
import { parseWatchArgs } from '../commands/watch.js';
import { expiryPhrase } from '../src/render/watch-format.js';
import { watchContext } from '../src/scheduler/wire.js';
import { makeContext } from './support/chat.js';
import { makeChain } from './support/pki.js';
import { startTlsServer } from './support/servers.js';

let server: Awaited<ReturnType<typeof startTlsServer>>;
let trust: string[];

before(async () => {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  trust = [chain.root.pem];
});
after(() => server?.close());

function ctxWithWatch(text: string) {
  const made = makeContext({ text });
  made.ctx.core = { ...made.ctx.core, checkDefaults: { ...made.ctx.core.checkDefaults, extraCaPem: trust } };
  made.ctx.watch = watchContext(made.db, { sweepEveryMs: 6 * 3_600_000, cap: 500 });
  return made;
}

test('--days is validated: a clear one-line error quoting the input', () => {
  assert.deepEqual(parseWatchArgs('a.example --days 21,7,7,1'), { target: 'a.example', days: [21, 7, 1] });
  assert.deepEqual(parseWatchArgs('a.example'), { target: 'a.example', days: [30, 14, 7, 3, 1] });
  for (const bad of ['a.example --days 0', 'a.example --days x', 'a.example --days 400', 'a.example --days 1,,2']) {
    const r = parseWatchArgs(bad);
    assert.ok('error' in r, bad);
    assert.match(r.error, /--days must be/);
    assert.ok(r.error.includes(JSON.stringify(bad.split('--days ')[1])), r.error);
  }
  assert.ok('error' in parseWatchArgs('--days 7'));
});

test('watch with a bad target answers bad_input quoting it; without the store, watch_unavailable', async () => {
  const { ctx, port } = ctxWithWatch('watch exa mple.com');
  await routeCommand(ctx);
  const n = port.last('notice');
  assert.equal(n.code, 'bad_input');
  const bare = makeContext({ text: 'list' });
  await routeCommand(bare.ctx);
  assert.equal(bare.port.last('notice').code, 'watch_unavailable');
});

test('watching an address the policy refuses answers why no certificate was seen: its finding codes', async () => {
  const { ctx, port } = ctxWithWatch('watch 10.0.0.1');
  await routeCommand(ctx);
  const row = port.last('watch_list').rows[0]!;
  assert.equal(row.target, '10.0.0.1:443');
  assert.deepEqual(row.addresses, []);
  assert.deepEqual(row.codes, ['address_blocked']);
  const phrase = expiryPhrase(row, new Date());
  assert.ok(phrase.includes('address_blocked'), phrase);
  // a checked row with addresses says its reasons per address instead
  assert.ok(
    !expiryPhrase(
      { ...row, addresses: [{ address: '10.0.0.1', notAfter: null, verdict: 'critical', error: 'x' }] },
      new Date(),
    ).includes('address_blocked'),
  );
});

test('the Watch expiry button on a diagnosis watches its target; list and history show it', async () => {
  const { ctx, port } = ctxWithWatch(`check 127.0.0.1:${server.port}`);
  await routeCommand(ctx);
  const diag = port.last('diagnosis');
  const button = diag.actions.find((a) => a.id === 'watch');
  assert.ok(button, 'every diagnosis offers Watch expiry');
  const { text: _t, ...rest } = ctx;
  await handleAction({ ...rest, actionId: 'watch', incidentId: button.value });
  const answer = port.last('watch_list');
  assert.equal(answer.rows.length, 1);
  assert.equal(answer.rows[0]?.target, `127.0.0.1:${server.port}`);
  assert.equal(answer.rows[0]?.verdict, 'ok');
  assert.equal(answer.rows[0]?.addresses[0]?.address, '127.0.0.1');
  assert.ok(answer.rows[0]?.nextExpiry);

  await routeCommand({ ...ctx, text: 'list' });
  const list = port.last('watch_list');
  assert.deepEqual(
    list.rows.map((r) => r.target),
    [`127.0.0.1:${server.port}`],
  );
  await routeCommand({ ...ctx, text: `history 127.0.0.1:${server.port}` });
  const history = port.last('watch_history');
  assert.deepEqual(
    history.changes.map((c) => c.what),
    ['first_seen'],
  );
  await routeCommand({ ...ctx, text: `unwatch 127.0.0.1:${server.port}` });
  await routeCommand({ ...ctx, text: 'list' });
  assert.equal(port.last('watch_list').rows.length, 0);
});

test('@cert-doctor watch in a diagnosis thread watches that target', async () => {
  const { ctx, port } = ctxWithWatch(`check 127.0.0.1:${server.port}`);
  await routeCommand(ctx);
  const parent = port.calls.find((c) => c.op === 'post')!;
  await routeCommand({
    ...ctx,
    text: 'watch',
    thread: { channel: 'C1', ts: (parent as { ref: { ts: string } }).ref.ts },
  });
  assert.equal(port.last('watch_list').rows[0]?.target, `127.0.0.1:${server.port}`);
});
