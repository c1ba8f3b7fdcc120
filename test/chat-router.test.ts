import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleAction } from '../commands/actions.js';
import { computeDelta } from '../commands/recheck.js';
import { routeCommand, SUBCOMMANDS, splitCommand } from '../commands/router.js';
import { Limiter } from '../src/chat/limits.js';
import { makeContext, NOW } from './support/chat.js';
import { diagnosisWith, finding } from './support/diagnosis.js';

test('splitCommand: subcommand lower-cased, args kept, "/cert" and mentions dropped', () => {
  const cases: [string, string, string][] = [
    ['check example.com', 'check', 'example.com'],
    ['  CHECK   Example.com:8443  ', 'check', 'Example.com:8443'],
    ['/cert check a.test', 'check', 'a.test'],
    ['<@U0BOT> recheck', 'recheck', ''],
    ['<@U0BOT|cert-doctor>  fix', 'fix', ''],
    ['', '', ''],
    ['   ', '', ''],
    ['/cert', '', ''],
    ['check <https://a.test|a.test>', 'check', '<https://a.test|a.test>'],
  ];
  for (const [text, sub, args] of cases) assert.deepEqual(splitCommand(text), { sub, args }, JSON.stringify(text));
});

test('help for empty, unknown and help subcommands; only the requester sees it', async () => {
  const cases: [string, string | undefined][] = [
    ['', undefined],
    ['help', undefined],
    ['--help', undefined],
    ['frobnicate now', 'frobnicate'],
  ];
  for (const [text, unknown] of cases) {
    const { ctx, port, db } = makeContext({ text });
    await routeCommand(ctx);
    assert.deepEqual(port.trace, ['ephemeral:help'], text);
    const help = port.last('help');
    assert.equal(help.unknown, unknown, text);
    assert.deepEqual(
      help.commands.map((c) => c.name),
      SUBCOMMANDS.map((s) => s.help.name),
    );
    assert.ok(help.commands.every((c) => c.examples.length > 0));
    db.close();
  }
});

test('check with a bad or missing target: one bad_input notice quoting the input, nothing posted', async () => {
  for (const [text, quoted] of [
    ['check exa mple.com', 'exa mple.com'],
    ['check https://', 'https://'],
    ['check example.com:99999', 'example.com:99999'],
    ['check', null],
  ] as const) {
    const { ctx, port, db } = makeContext({ text });
    await routeCommand(ctx);
    assert.deepEqual(port.trace, ['ephemeral:notice'], text);
    const n = port.last('notice');
    assert.equal(n.code, 'bad_input', text);
    if (quoted) assert.ok(n.text.includes(quoted), `${text}: ${n.text}`);
    db.close();
  }
});

test('over the per-user rate or the global cap: an ephemeral notice with the wait, no probe', async () => {
  const clock = () => NOW;
  const limits = new Limiter({ checksPerMinute: 1, maxConcurrentProbes: 1, clock });
  const held = limits.acquire('U9');
  assert.ok(held.ok);
  const busy = makeContext({ text: 'check 127.0.0.1:1', limits, clock });
  await routeCommand(busy.ctx);
  assert.deepEqual(busy.port.trace, ['ephemeral:notice']);
  assert.deepEqual([busy.port.last('notice').code, busy.port.last('notice').retryAfterSec], ['busy', 5]);
  held.release();

  const limited = makeContext({ text: 'check 127.0.0.1:1', limits, clock, userId: 'U9' });
  await routeCommand(limited.ctx);
  assert.deepEqual(limited.port.trace, ['ephemeral:notice']);
  assert.deepEqual([limited.port.last('notice').code, limited.port.last('notice').retryAfterSec], ['rate_limited', 60]);
  busy.db.close();
  limited.db.close();
});

test('a failing core becomes a check_failed notice in place of the progress message, and the slot is freed', async () => {
  const limits = new Limiter({ checksPerMinute: 10, maxConcurrentProbes: 1, clock: () => NOW });
  const { ctx, port, db } = makeContext({ text: 'check a.test', limits });
  ctx.core = {
    ...ctx.core,
    check: async () => {
      throw new Error('simulated bug');
    },
  };
  await routeCommand(ctx);
  assert.deepEqual(port.trace, ['post:progress', 'update:notice']);
  assert.equal(port.last('notice').code, 'check_failed');
  assert.equal(
    port.calls[1]?.op === 'update' && port.calls[1].ref.ts,
    (port.calls[0] as { ref: { ts: string } }).ref.ts,
  );
  assert.equal(limits.acquire('U2').ok, true, 'the probe slot was released');
  db.close();
});

test('thread words outside an incident thread, and actions on unknown incidents, explain themselves', async () => {
  for (const text of ['recheck', 'fix', 'chain', 'show_chain']) {
    const { ctx, port, db } = makeContext({ text });
    await routeCommand(ctx);
    assert.equal(port.last('notice').code, 'not_in_thread', text);
    const inThread = makeContext({ text, thread: { channel: 'C1', ts: '1.000001' } });
    await routeCommand(inThread.ctx);
    assert.equal(inThread.port.last('notice').code, 'not_in_thread', `${text} in a thread that is not an incident`);
    db.close();
    inThread.db.close();
  }
  const { ctx, port, db } = makeContext();
  await handleAction({ ...ctx, actionId: 'recheck', incidentId: '42' });
  assert.deepEqual(port.trace, ['ephemeral:notice']);
  assert.equal(port.last('notice').code, 'incident_not_found');
  db.close();
});

test('fix guide and show chain reply in the incident thread, from a mention or a button', async () => {
  const { ctx, port, db } = makeContext();
  const d = { ...diagnosisWith([finding('chain_incomplete')]), serverStack: 'nginx' };
  const inc = await ctx.store.create({
    channel: 'C1',
    ts: '1700.1',
    target: 'a.test',
    requestedBy: 'U1',
    diagnosis: d,
    now: NOW,
  });
  await routeCommand({ ...ctx, text: '<@UBOT> fix', thread: { channel: 'C1', ts: '1700.1' } });
  await handleAction({ ...ctx, actionId: 'show_chain', incidentId: inc.id });
  assert.deepEqual(port.trace, ['reply:fix_guide', 'reply:chain']);
  for (const c of port.calls) assert.deepEqual(c.op === 'reply' && c.parent, { channel: 'C1', ts: '1700.1' });
  assert.equal(port.last('fix_guide').stack, 'nginx');
  db.close();
});

test('computeDelta compares by finding code', () => {
  const before = diagnosisWith([
    finding('chain_incomplete'),
    finding('cert_expiring_soon', 'warning'),
    finding('hsts_missing', 'info'),
  ]);
  const after = diagnosisWith([
    finding('hsts_missing', 'info'),
    finding('cert_expiring_soon', 'warning'),
    finding('weak_key'),
  ]);
  assert.deepEqual(computeDelta(before, after), {
    fixed: ['chain_incomplete'],
    still: ['cert_expiring_soon', 'hsts_missing'],
    appeared: ['weak_key'],
  });
  assert.deepEqual(computeDelta(after, after).fixed, []);
});
