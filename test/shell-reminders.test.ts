/**
 * Reminders in the terminal: the shell sink prints each reminder with its kind verbatim, threads later
 * ones under the certificate's first, and finds what it printed (within the process); the demo clock
 * runs a day per second.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ShellReminderSink } from '../src/chat/shell/reminder-sink.js';
import { demoClock } from '../src/scheduler/wire.js';

test('shell sink: reminder kind verbatim, threaded replies indented, control characters neutralised', async () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const sink = new ShellReminderSink(out);
  const facts = {
    kind: 'threshold' as const,
    target: 'a.example:443\u001b[31m',
    fingerprint: 'ab'.repeat(32),
    notAfter: '2026-04-01T00:00:00.000Z',
    daysLeft: 6,
    thresholds: [7],
  };
  const first = await sink.post({
    channel: 'shell',
    threadTs: null,
    broadcast: false,
    facts,
    tag: { reminderId: '1', key: 'k1' },
  });
  await sink.post({
    channel: 'shell',
    threadTs: first.ts,
    broadcast: true,
    facts: { ...facts, kind: 'expired', daysLeft: -3 },
    tag: { reminderId: '2', key: 'k2' },
  });
  const lines = text.split('\n');
  assert.match(lines[0]!, /^#r1 ⏰ reminder \[threshold\] .*expires in 6 days/);
  assert.ok(
    lines.some((l) => /^ {4}↳ \(thread of #r1\) reminder \[expired\] .*expired 2 days ago/.test(l)),
    text,
  );
  assert.ok(!text.includes('\u001b'), 'no escape sequence from a target reaches the terminal');
  assert.equal(await sink.find('shell', null, { reminderId: '1', key: 'k1' }), 'r1');
  assert.equal(await sink.find('shell', null, { reminderId: '9', key: 'k9' }), null);
});

test('demo clock: one day per real second from the start', () => {
  let real = 1_000_000;
  const clock = demoClock(real, () => real);
  assert.equal(clock().getTime(), 1_000_000);
  real += 1500;
  assert.equal(clock().getTime(), 1_000_000 + 1.5 * 86_400_000);
});
