/**
 * The scheduler end to end with an injected clock and no sleeps: real check() against a loopback TLS
 * server (many names through SNI), a real SQLite file, reminders posted through the production Slack
 * client to the fake Slack API. Threshold → renewal → renewed, threads and broadcast, faults per channel,
 * and two schedulers on one database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '../src/log.js';
import { Scheduler, type Timers } from '../src/scheduler/index.js';
import { sweep } from '../src/scheduler/sweep.js';
import type { Subscription } from '../src/store/types.js';
import { type FakeMessage, startFakeSlack } from './support/fake-slack.js';
import {
  DAY,
  fakeSlackSink,
  type SniServer,
  startSniServer,
  sweepCore,
  testClock,
  type WatchStores,
  watchStores,
} from './support/watch-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-scheduler-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = new Date('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const log = createLogger({ level: 'silent' });
let dbSeq = 0;

const keyOf = (m: FakeMessage) => (m.metadata?.event_payload as { key?: string } | undefined)?.key;

async function subscribe(s: WatchStores, channel: string, target: string, at = T0): Promise<Subscription> {
  const r = await s.subscriptions.add({
    channel,
    target,
    createdBy: 'U1',
    thresholds: [30, 14, 7, 3, 1],
    now: at,
    nextCheckAt: at,
    cap: 500,
  });
  assert.ok(r.ok);
  return r.subscription;
}

function scheduler(s: WatchStores, server: SniServer, apiUrl: string, clock: () => Date, holder = 'A') {
  return new Scheduler({
    ...s,
    core: sweepCore(server),
    sink: fakeSlackSink({ apiUrl }),
    clock,
    log,
    sweepEveryMs: 6 * HOUR,
    random: () => 0.5,
    holder,
  });
}

/** A server whose `a.test` expires in 30 days + 3 h (the 30-day threshold is crossed on the second sweep). */
async function thirtyDaysOut(names: string[]) {
  const clock = testClock(T0);
  const server = await startSniServer(names, T0);
  await server.serve('a.test', new Date(T0.getTime() - 60 * DAY), new Date(T0.getTime() + 30 * DAY + 3 * HOUR));
  const fake = await startFakeSlack();
  fake.clock = () => clock.now().getTime();
  const s = watchStores(join(dir, `db${++dbSeq}.db`));
  const close = async () => {
    s.db.close();
    await fake.close();
    await server.close();
  };
  return { clock, server, oldFp: server.fingerprint('a.test'), fake, s, close };
}

test('watch → 30-day threshold → renewal deployed → renewed, in one thread, each exactly once', async () => {
  const { clock, server, oldFp, fake, s, close } = await thirtyDaysOut(['a.test', 'b.test']);
  try {
    await subscribe(s, 'C1', `a.test:${server.port}`);
    await subscribe(s, 'C1', `b.test:${server.port}`);
    const sched = scheduler(s, server, fake.apiUrl, clock.now);

    const first = await sched.tick();
    assert.equal(first.role === 'active' && first.sweep.checked, 2);
    assert.equal(fake.messages.length, 0, 'nothing owed yet');

    clock.advance(6 * HOUR);
    await sched.tick();
    assert.deepEqual(fake.messages.map(keyOf), [`threshold:${oldFp}:30`]);
    const parent = fake.messages[0]!;
    assert.equal(parent.thread_ts, undefined, 'the first reminder about a certificate opens its thread');
    const call = fake.callsOf('chat.postMessage')[0]!;
    assert.ok(((call.args.blocks as { block_id?: string }[]) ?? []).some((b) => b.block_id === 'reminder:threshold'));

    const newFp = await server.serve('a.test', T0, new Date(T0.getTime() + 90 * DAY));
    clock.advance(6 * HOUR);
    await sched.tick();
    assert.equal(fake.messages.length, 1, 'old certificate gone for one sweep only: not yet renewed');
    clock.advance(6 * HOUR);
    await sched.tick();
    assert.deepEqual(fake.messages.map(keyOf), [`threshold:${oldFp}:30`, `renewed:${oldFp}`]);
    assert.equal(fake.messages[1]!.thread_ts, parent.ts, 'renewed replies in the certificate thread');
    assert.notEqual(newFp, oldFp);

    clock.advance(6 * HOUR);
    await sched.tick();
    assert.equal(fake.messages.length, 2, 'nothing is said twice');
  } finally {
    await close();
  }
});

test('breakage alerts once and is broadcast from the thread; recovery once', async () => {
  const clock = testClock(T0);
  const server = await startSniServer(['c.test'], T0);
  // 10 days left: the watch-time reminder opens the thread
  await server.serve('c.test', new Date(T0.getTime() - 80 * DAY), new Date(T0.getTime() + 10 * DAY));
  const fake = await startFakeSlack();
  fake.clock = () => clock.now().getTime();
  const s = watchStores(join(dir, `db${++dbSeq}.db`));
  try {
    await subscribe(s, 'C1', `c.test:${server.port}`);
    const sched = scheduler(s, server, fake.apiUrl, clock.now);
    await sched.tick();
    const fp = server.fingerprint('c.test');
    assert.deepEqual(fake.messages.map(keyOf), [`threshold:${fp}:14`]);
    const parent = fake.messages[0]!;
    server.setChain('c.test', false);
    clock.advance(6 * HOUR);
    await sched.tick();
    const broken = fake.messages.find((m) => keyOf(m)?.startsWith('broken:chain_incomplete:'));
    assert.ok(broken, fake.messages.map(keyOf).join(', '));
    assert.equal(broken.thread_ts, parent.ts, 'in the certificate thread');
    assert.equal(broken.reply_broadcast, true, 'critical: broadcast to the channel too');
    clock.advance(6 * HOUR);
    await sched.tick();
    assert.equal(fake.messages.filter((m) => keyOf(m)?.startsWith('broken:')).length, 1, 'alerted once');
    server.setChain('c.test', true);
    clock.advance(6 * HOUR);
    await sched.tick();
    const recovered = fake.messages.filter((m) => keyOf(m)?.startsWith('recovered:chain_incomplete:'));
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]!.thread_ts, parent.ts);
    assert.equal(recovered[0]!.reply_broadcast, undefined, 'recovery is not broadcast');
    clock.advance(6 * HOUR);
    await sched.tick();
    assert.equal(new Set(fake.messages.map(keyOf)).size, fake.messages.length, 'no key twice');
  } finally {
    s.db.close();
    await fake.close();
    await server.close();
  }
});

test('faults are per channel: archived pauses its channel, a 5xx backs off, other channels are not held up', async () => {
  const clock = testClock(T0);
  const server = await startSniServer(['x.test', 'y.test', 'z.test'], T0, 5);
  const fake = await startFakeSlack();
  fake.clock = () => clock.now().getTime();
  const s = watchStores(join(dir, `db${++dbSeq}.db`));
  try {
    await subscribe(s, 'CARCH', `x.test:${server.port}`);
    await subscribe(s, 'CFLAKY', `y.test:${server.port}`);
    await subscribe(s, 'COK', `z.test:${server.port}`);
    fake.archived.add('CARCH');
    fake.injectChannelFault('chat.postMessage', 'CFLAKY', { status: 500 }, 1);
    const sched = scheduler(s, server, fake.apiUrl, clock.now);
    await sched.tick();
    const delivered = () => fake.messages.map((m) => m.channel).sort();
    assert.deepEqual(delivered(), ['COK'], 'COK is not held up by the 5xx of CFLAKY');
    const paused = await s.subscriptions.pausedChannels();
    assert.deepEqual(paused, [{ channel: 'CARCH', reason: 'is_archived' }]);
    assert.equal((await s.subscriptions.find('CARCH', `x.test:${server.port}`))?.pausedReason, 'is_archived');

    await sched.tick();
    assert.equal(fake.messages.length, 1, 'the failed channel waits for its backoff (1 s), on the injected clock');
    clock.advance(1500);
    await sched.tick();
    assert.deepEqual(delivered(), ['CFLAKY', 'COK']);
    // a "maybe posted" reminder (the 5xx) was looked up before the retry, then posted once
    assert.ok(fake.callsOf('conversations.history').length >= 1);

    fake.archived.delete('CARCH');
    assert.equal(await s.subscriptions.resumeChannel('CARCH', clock.now()), true);
    await sched.tick();
    assert.deepEqual(delivered(), ['CARCH', 'CFLAKY', 'COK'], 'the paused reminder is delivered once resumed');
  } finally {
    s.db.close();
    await fake.close();
    await server.close();
  }
});

test('a reminder decided before the channel paused is withdrawn, not posted stale at the resume', async () => {
  const { clock, server, oldFp, fake, s, close } = await thirtyDaysOut(['a.test']);
  try {
    await subscribe(s, 'CARCH', `a.test:${server.port}`);
    fake.archived.add('CARCH');
    const sched = scheduler(s, server, fake.apiUrl, clock.now);
    await sched.tick();
    clock.advance(6 * HOUR);
    await sched.tick(); // the 30-day threshold is owed; its post is refused: is_archived
    assert.deepEqual(await s.subscriptions.pausedChannels(), [{ channel: 'CARCH', reason: 'is_archived' }]);
    assert.deepEqual(await s.reminders.pending(), [], 'the refused reminder is withdrawn with the pause');

    // renewed while the channel was archived; it is unarchived three weeks later
    const newFp = await server.serve('a.test', T0, new Date(T0.getTime() + 90 * DAY));
    clock.advance(21 * DAY);
    await sched.tick();
    assert.equal(fake.messages.length, 0, 'nothing is swept or posted while paused');
    fake.archived.delete('CARCH');
    assert.equal(await s.subscriptions.resumeChannel('CARCH', clock.now()), true);
    for (let i = 0; i < 3; i++) {
      await sched.tick();
      clock.advance(6 * HOUR);
    }
    const keys = fake.messages.map(keyOf);
    assert.ok(!keys.some((k) => k?.startsWith(`threshold:${oldFp}`)), `a stale threshold was posted: ${keys}`);
    assert.ok(!keys.some((k) => k?.startsWith(`threshold:${newFp}`)), `nothing is owed about the new one: ${keys}`);
  } finally {
    await close();
  }
});

test('429 is honoured for that channel only: Retry-After on the injected clock', async () => {
  const clock = testClock(T0);
  const server = await startSniServer(['r.test'], T0, 5);
  const fake = await startFakeSlack();
  fake.clock = () => clock.now().getTime();
  const s = watchStores(join(dir, `db${++dbSeq}.db`));
  try {
    await subscribe(s, 'C1', `r.test:${server.port}`);
    fake.injectFault('chat.postMessage', { status: 429, retryAfter: 30 }, 1);
    const sched = scheduler(s, server, fake.apiUrl, clock.now);
    await sched.tick();
    assert.equal(fake.messages.length, 0);
    clock.advance(20_000);
    await sched.tick();
    assert.equal(fake.messages.length, 0, 'Retry-After 30 s not over');
    assert.equal(fake.callsOf('chat.postMessage').length, 1, 'no post attempted meanwhile');
    clock.advance(11_000);
    await sched.tick();
    assert.equal(fake.messages.length, 1);
  } finally {
    s.db.close();
    await fake.close();
    await server.close();
  }
});

/** Timers that run only when the test says so. */
function manualTimers(): Timers & { fire(): void; pending: number } {
  let queue: { fn: () => void; id: number }[] = [];
  let seq = 0;
  return {
    setTimeout: (fn) => {
      queue.push({ fn, id: ++seq });
      return seq;
    },
    clearTimeout: (h) => {
      queue = queue.filter((t) => t.id !== h);
    },
    fire: () => {
      const q = queue;
      queue = [];
      for (const t of q) t.fn();
    },
    get pending() {
      return queue.length;
    },
  };
}

test('two schedulers on one database: one active, the other passive until the first dies, then it takes over', async () => {
  const clock = testClock(T0);
  const server = await startSniServer(['t.test'], T0, 5);
  const fake = await startFakeSlack();
  fake.clock = () => clock.now().getTime();
  const file = join(dir, `db${++dbSeq}.db`);
  const a = watchStores(file);
  const b = watchStores(file);
  try {
    const sub = await subscribe(a, 'C1', `t.test:${server.port}`);
    const timers = manualTimers();
    const schedA = new Scheduler({
      ...a,
      core: sweepCore(server),
      sink: fakeSlackSink(fake),
      clock: clock.now,
      log,
      sweepEveryMs: 6 * HOUR,
      random: () => 0.5,
      holder: 'A',
      timers,
      tickMs: 10_000,
    });
    const schedB = scheduler(b, server, fake.apiUrl, clock.now, 'B');
    schedA.start();
    assert.equal(timers.pending, 1, 'the loop schedules its first tick on the injected timers');
    timers.fire();
    await a.leases.holder('scheduler', clock.now()); // let the tick run
    await new Promise<void>((r) => setImmediate(r));
    const bFirst = await schedB.tick();
    assert.equal(bFirst.role, 'passive', 'B stays passive while A holds the lease');
    await waitFor(() => fake.messages.length === 1);
    assert.equal(await b.leases.holder('scheduler', clock.now()), 'A');

    // A dies: its process is gone, it never renews. Within the lease TTL (max(30 s, 3 ticks)) B stays passive …
    clock.advance(20_000);
    assert.equal((await schedB.tick()).role, 'passive');
    // … and after it B takes over and sweeps what is due
    clock.advance(15_000);
    await b.subscriptions.scheduleNext(sub.id, clock.now(), clock.now());
    const taken = await schedB.tick();
    assert.equal(taken.role, 'active');
    assert.equal(taken.role === 'active' && taken.sweep.checked, 1);
    assert.equal(await a.leases.holder('scheduler', clock.now()), 'B');
    assert.equal(fake.messages.length, 1, 'the reminder A sent is not sent again by B');
  } finally {
    a.db.close();
    b.db.close();
    await fake.close();
    await server.close();
  }
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a sweep longer than one page checks every due subscription once and stores each outcome', async () => {
  const names = ['p0.test', 'p1.test', 'p2.test', 'p3.test', 'p4.test'];
  const server = await startSniServer(names, T0);
  const s = watchStores(join(dir, `db${++dbSeq}.db`));
  try {
    const subs = [];
    for (const name of names) subs.push(await subscribe(s, 'C1', `${name}:${server.port}`));
    const result = await sweep({
      ...s,
      core: sweepCore(server),
      clock: () => T0,
      log,
      concurrency: 3,
      batch: 2,
    });
    assert.equal(result.checked, names.length);
    for (const sub of subs) {
      const seen = await s.observations.recent(sub.id, 10);
      assert.equal(seen.length, 1, `${sub.target}: one observation`);
      assert.equal(seen[0]!.endpoints[0]?.leaf?.sha256, server.fingerprint(sub.target.split(':')[0]!));
      assert.equal((await s.subscriptions.get(sub.id))?.nextCheckAt.getTime(), T0.getTime() + 6 * HOUR);
    }
    assert.deepEqual(await s.subscriptions.due(T0, 10), [], 'nothing left due');
  } finally {
    s.db.close();
    await server.close();
  }
});

test('within a page the sweep renews its lease as time passes and stops at once when it is lost', async () => {
  const names = ['q0.test', 'q1.test', 'q2.test', 'q3.test'];
  const server = await startSniServer(names, T0);
  const s = watchStores(join(dir, `db${++dbSeq}.db`));
  try {
    for (const name of names) await subscribe(s, 'C1', `${name}:${server.port}`);
    const clock = testClock(T0);
    const core = sweepCore(server);
    let renewals = 0;
    const result = await sweep(
      {
        ...s,
        // each check takes 11 s of the injected clock: a renewal (every 10 s) is due before each next one
        core: { ...core, check: (input, opts) => core.check(input, opts).finally(() => clock.advance(11_000)) },
        clock: clock.now,
        log,
        concurrency: 1,
      },
      async () => ++renewals < 3,
    );
    assert.equal(renewals, 3, 'renewed at the page start, then before the second and third checks');
    assert.equal(result.checked, 2, 'the lease was lost before the third check: it never started');
    assert.equal((await s.subscriptions.due(T0, 10)).length, 2, 'the unchecked ones stay due');
  } finally {
    s.db.close();
    await server.close();
  }
});
