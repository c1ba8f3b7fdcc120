/**
 * The watch stores over a real SQLite file: migrations from every earlier schema version (with data in
 * it), subscriptions with the per-channel cap and pauses, the reminder ledger's uniqueness, and the lease
 * between two connections.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openDb, SCHEMA_VERSION } from '../src/store/db.js';
import { SqliteEventDedup } from '../src/store/events.js';
import { SqliteIncidentStore } from '../src/store/incidents.js';
import { SqliteLeaseStore } from '../src/store/leases.js';
import { SqliteObservationStore } from '../src/store/observations.js';
import { SqliteReminderStore } from '../src/store/reminders.js';
import { SqliteSubscriptionStore } from '../src/store/subscriptions.js';
import { SqliteSweepStore } from '../src/store/sweep-batch.js';
import type { DecideOwed, ForgetDecided, OwedReminder, Subscription } from '../src/store/types.js';
import { diagnosisWith, finding } from './support/diagnosis.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-watch-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = new Date('2026-03-01T10:00:00Z');

/** Data each earlier version can hold, written through that version's own tables. */
async function seed(db: Database.Database, version: number): Promise<void> {
  if (version >= 1) {
    // schema 1's own table, written with SQL: today's SqliteIncidentStore also reads pending_checks (schema 2)
    db.prepare(
      `INSERT INTO incidents (channel, ts, target, requested_by, status, created_at, updated_at, last_diagnosis)
       VALUES ('C1', '1.1', 'old.example', 'U1', 'open', ?, ?, ?)`,
    ).run(T0.toISOString(), T0.toISOString(), JSON.stringify(diagnosisWith([finding('chain_incomplete')])));
    await new SqliteEventDedup(db).seen('Ev1', T0);
  }
  if (version >= 2) {
    db.prepare(
      `INSERT INTO pending_checks (channel, ts, target, requested_by, started_at) VALUES ('C1', '2.2', 'p.example', 'U1', ?)`,
    ).run(T0.toISOString());
  }
}

for (let from = 0; from < SCHEMA_VERSION; from++) {
  test(`migration from schema ${from} (with data) to ${SCHEMA_VERSION} keeps the data and adds the watch tables`, async () => {
    const file = join(dir, `from-${from}.db`);
    const old = new Database(file);
    assert.equal(migrate(old, from), from);
    await seed(old, from);
    old.close();

    const db = openDb(file);
    const versions = db.prepare('SELECT version FROM migrations ORDER BY version').all() as { version: number }[];
    assert.deepEqual(
      versions.map((v) => v.version),
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    if (from >= 1) {
      const inc = await new SqliteIncidentStore(db).getByMessage('C1', '1.1');
      assert.equal(inc?.lastDiagnosis.findings[0]?.code, 'chain_incomplete');
      assert.equal(await new SqliteEventDedup(db).seen('Ev1', T0), true, 'dedup rows survive');
    }
    if (from >= 2) assert.equal((db.prepare('SELECT COUNT(*) AS n FROM pending_checks').get() as { n: number }).n, 1);
    const subs = new SqliteSubscriptionStore(db);
    const added = await subs.add({
      channel: 'C1',
      target: 'a.example:443',
      createdBy: 'U1',
      thresholds: [30, 7],
      now: T0,
      nextCheckAt: T0,
      cap: 5,
    });
    assert.equal(added.ok, true);
    db.close();
  });
}

test('migration 2 is the pending_checks table agreed with the hostile-input work, byte for byte', () => {
  const db = new Database(':memory:');
  migrate(db, 2);
  const sql = (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'pending_checks'`).get() as { sql: string }).sql;
  assert.match(sql, /PRIMARY KEY \(channel, ts\)/);
  assert.deepEqual(
    (db.prepare('PRAGMA table_info(pending_checks)').all() as { name: string }[]).map((c) => c.name),
    ['channel', 'ts', 'target', 'requested_by', 'started_at'],
  );
});

test('a database from a newer build is refused, not downgraded', () => {
  const db = new Database(':memory:');
  migrate(db);
  db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(SCHEMA_VERSION + 1, T0.toISOString());
  assert.throws(() => migrate(db), /newer than this build supports/);
});

test('subscriptions: per-channel cap, duplicates, due order, pause and resume', async () => {
  const db = openDb(':memory:');
  const subs = new SqliteSubscriptionStore(db);
  const base = { channel: 'C1', createdBy: 'U1', thresholds: [30], now: T0, cap: 2 };
  const a = await subs.add({ ...base, target: 'a:443', nextCheckAt: new Date(T0.getTime() + 2000) });
  const b = await subs.add({ ...base, target: 'b:443', nextCheckAt: new Date(T0.getTime() + 1000) });
  assert.ok(a.ok && b.ok);
  const again = await subs.add({ ...base, target: 'a:443', nextCheckAt: T0 });
  assert.equal(again.ok === false && again.reason, 'exists');
  const over = await subs.add({ ...base, target: 'c:443', nextCheckAt: T0 });
  assert.deepEqual(over, { ok: false, reason: 'cap', count: 2 });
  assert.equal(
    (await subs.add({ ...base, channel: 'C2', target: 'c:443', nextCheckAt: T0 })).ok,
    true,
    'cap is per channel',
  );

  const due = await subs.due(new Date(T0.getTime() + 5000), 10);
  assert.deepEqual(
    due.map((s) => s.target),
    ['c:443', 'b:443', 'a:443'],
  );
  assert.equal(await subs.pauseChannel('C1', 'the channel was archived', T0), true);
  assert.equal(await subs.pauseChannel('C1', 'another reason', T0), false, 'the first reason is kept');
  assert.deepEqual(
    (await subs.due(new Date(T0.getTime() + 5000), 10)).map((s) => s.target),
    ['c:443'],
  );
  assert.equal((await subs.find('C1', 'a:443'))?.pausedReason, 'the channel was archived');
  await subs.scheduleNext(a.ok ? a.subscription.id : '', T0, new Date(T0.getTime() + 9 * 3_600_000));
  const resumedAt = new Date(T0.getTime() + 5000);
  assert.equal(await subs.resumeChannel('C1', resumedAt), true);
  assert.equal(await subs.resumeChannel('C1', resumedAt), false, 'not paused any more');
  assert.deepEqual(
    (await subs.due(resumedAt, 10)).map((s) => s.target),
    ['c:443', 'b:443', 'a:443'],
    'a resumed channel is checked at once, even a subscription due hours later',
  );
  assert.equal(await subs.remove('C1', 'a:443'), true);
  assert.equal(await subs.remove('C1', 'a:443'), false);
  assert.equal(await subs.get('not-an-id'), null);
});

test('reminders: a key is decided once; pending → attempt → sent; threads; unwatch deletes with cascade', async () => {
  const db = openDb(':memory:');
  const subs = new SqliteSubscriptionStore(db);
  const reminders = new SqliteReminderStore(db);
  const observations = new SqliteObservationStore(db);
  const added = await subs.add({
    channel: 'C1',
    target: 'a:443',
    createdBy: 'U1',
    thresholds: [30],
    now: T0,
    nextCheckAt: T0,
    cap: 9,
  });
  assert.ok(added.ok);
  const id = added.subscription.id;
  const owed: OwedReminder = {
    key: 'threshold:F:30',
    covers: ['stuck:F'],
    critical: false,
    facts: { kind: 'threshold', target: 'a:443', fingerprint: 'F', daysLeft: 30 },
  };
  const [first] = await reminders.intend(id, 'C1', [owed], T0);
  assert.equal((await reminders.intend(id, 'C1', [owed], T0)).length, 0, 'the same key again is no new reminder');
  assert.ok(first);
  assert.deepEqual(
    (await reminders.pending()).map((r) => [r.key, r.attempts]),
    [['threshold:F:30', 0]],
  );
  await reminders.markAttempt(first.id);
  assert.equal((await reminders.pending())[0]?.attempts, 1);
  await reminders.markSent(first.id, '1.5', null, T0);
  assert.equal((await reminders.pending()).length, 0);
  assert.deepEqual(await reminders.ledger(id), [
    {
      id: first.id,
      key: 'threshold:F:30',
      covers: ['stuck:F'],
      kind: 'threshold',
      createdAt: T0,
      status: 'sent',
      fingerprint: 'F',
      notAfter: null,
    },
  ]);
  await reminders.setThread(id, 'F', 'C1', '1.5');
  await reminders.setThread(id, 'F', 'C1', '9.9');
  assert.equal(await reminders.thread(id, 'F'), '1.5', 'the first message stays the thread');
  await observations.record({ subscriptionId: id, at: T0, verdict: 'ok', codes: [], critical: [], endpoints: [] });
  assert.equal((await observations.latest([id])).get(id)?.verdict, 'ok');

  await subs.remove('C1', 'a:443');
  assert.deepEqual(await reminders.ledger(id), []);
  assert.equal(await reminders.thread(id, 'F'), null);
  assert.equal((await observations.recent(id, 5)).length, 0);
});

test('observations: the latest are kept, older ones pruned as new ones arrive', async () => {
  const db = openDb(':memory:');
  const subs = new SqliteSubscriptionStore(db);
  const added = await subs.add({
    channel: 'C1',
    target: 'a:443',
    createdBy: 'U1',
    thresholds: [7],
    now: T0,
    nextCheckAt: T0,
    cap: 5,
  });
  assert.ok(added.ok);
  const obs = new SqliteObservationStore(db, { keep: 3 });
  for (let i = 0; i < 5; i++) {
    await obs.record({
      subscriptionId: added.subscription.id,
      at: new Date(T0.getTime() + i),
      verdict: 'ok',
      codes: [String(i)],
      critical: [],
      endpoints: [],
    });
  }
  const kept = await obs.recent(added.subscription.id, 10);
  assert.deepEqual(
    kept.map((o) => o.codes[0]),
    ['2', '3', '4'],
  );
});

test('lease: one holder per database across two connections; renewal; takeover after expiry; release', async () => {
  const file = join(dir, 'lease.db');
  const dbA = openDb(file);
  const dbB = openDb(file);
  const a = new SqliteLeaseStore(dbA);
  const b = new SqliteLeaseStore(dbB);
  const at = (ms: number) => new Date(T0.getTime() + ms);
  assert.equal(await a.acquire('scheduler', 'A', at(0), 30_000), true);
  assert.equal(await b.acquire('scheduler', 'B', at(1000), 30_000), false);
  assert.equal(await a.acquire('scheduler', 'A', at(20_000), 30_000), true, 'renewal extends it');
  assert.equal(await b.acquire('scheduler', 'B', at(40_000), 30_000), false, 'still A: renewed until 50 s');
  assert.equal(await b.acquire('scheduler', 'B', at(50_000), 30_000), true, 'A stopped renewing: B takes over');
  assert.equal(await a.acquire('scheduler', 'A', at(51_000), 30_000), false, 'A came back: passive now');
  assert.equal(await a.holder('scheduler', at(51_000)), 'B');
  await b.release('scheduler', 'B');
  assert.equal(await a.acquire('scheduler', 'A', at(52_000), 30_000), true, 'a released lease is free at once');
  dbA.close();
  dbB.close();
});

async function seedSubs(
  subs: SqliteSubscriptionStore,
  n: number,
  at: (i: number) => Date,
  prefix = 's',
): Promise<Subscription[]> {
  const out: Subscription[] = [];
  for (let i = 0; i < n; i++) {
    const r = await subs.add({
      channel: `C${i % 3}`,
      target: `${prefix}${i}.test:443`,
      createdBy: 'U1',
      thresholds: [30],
      now: T0,
      nextCheckAt: at(i),
      cap: 100,
    });
    assert.ok(r.ok);
    out.push(r.subscription);
  }
  return out;
}

test('due pages: keyset paging yields every due subscription once, in (nextCheckAt, id) order, paused channels left out', async () => {
  const db = openDb(':memory:');
  const subs = new SqliteSubscriptionStore(db);
  // equal times on purpose: pages must break ties by id, not skip or repeat them
  const all = await seedSubs(subs, 11, (i) => new Date(T0.getTime() + (i % 4) * 1000));
  await subs.add({
    channel: 'C0',
    target: 'later.test:443',
    createdBy: 'U1',
    thresholds: [30],
    now: T0,
    nextCheckAt: new Date(T0.getTime() + 3_600_000),
    cap: 100,
  });
  await subs.pauseChannel('C2', 'bot removed', T0);
  const now = new Date(T0.getTime() + 10_000);
  const seen: string[] = [];
  let after: { nextCheckAt: Date; id: string } | undefined;
  for (;;) {
    const page = await subs.due(now, 2, after);
    if (page.length === 0) break;
    seen.push(...page.map((p) => p.id));
    after = { nextCheckAt: page.at(-1)!.nextCheckAt, id: page.at(-1)!.id };
  }
  const expected = all
    .filter((s) => s.channel !== 'C2')
    .sort((a, b) => a.nextCheckAt.getTime() - b.nextCheckAt.getTime() || Number(a.id) - Number(b.id))
    .map((s) => s.id);
  assert.deepEqual(seen, expected);
  db.close();
});

test('sweep batch: observations, intents decided from history with the new observation last, next check — one transaction', async () => {
  const db = openDb(':memory:');
  const subscriptions = new SqliteSubscriptionStore(db);
  const observations = new SqliteObservationStore(db);
  const reminders = new SqliteReminderStore(db);
  const sweeps = new SqliteSweepStore(db, { observations, reminders, subscriptions });
  const [a, b] = await seedSubs(subscriptions, 2, () => T0);
  const obsOf = (sub: Subscription, code: string) => ({
    subscriptionId: sub.id,
    at: T0,
    verdict: 'critical' as const,
    codes: [code],
    critical: [code],
    endpoints: [],
  });
  const next = new Date(T0.getTime() + 6 * 3_600_000);
  const histories: string[][] = [];
  const decide: DecideOwed = (sub, history, ledger) => {
    histories.push(history.map((o) => o.codes[0]!));
    const key = `broken:${history.at(-1)!.codes[0]}`;
    return ledger.some((e) => e.key === key)
      ? []
      : [{ key, covers: [], critical: true, facts: { kind: 'broken', target: sub.target, fingerprint: null } }];
  };
  await observations.record(obsOf(a!, 'earlier'));
  const intents = await sweeps.commit(
    [
      { subscription: a!, observation: obsOf(a!, 'hostname_mismatch'), checkedAt: T0, nextCheckAt: next },
      { subscription: b!, observation: null, checkedAt: T0, nextCheckAt: next },
    ],
    { history: 6, decide },
  );
  assert.equal(intents, 1);
  assert.deepEqual(
    histories,
    [['earlier', 'hostname_mismatch']],
    'the policy sees the new observation last; none for a failed check',
  );
  assert.deepEqual(
    (await reminders.pending()).map((r) => r.key),
    ['broken:hostname_mismatch'],
  );
  assert.equal((await subscriptions.get(a!.id))?.nextCheckAt.getTime(), next.getTime());
  assert.equal(
    (await subscriptions.get(b!.id))?.nextCheckAt.getTime(),
    next.getTime(),
    'a failed check is still rescheduled',
  );
  assert.equal(
    await sweeps.commit(
      [{ subscription: a!, observation: obsOf(a!, 'hostname_mismatch'), checkedAt: T0, nextCheckAt: next }],
      { history: 6, decide },
    ),
    0,
    'decided once',
  );

  // a failure inside the batch rolls all of it back: nothing half-stored, every subscription still due as before
  const [c] = (await seedSubs(subscriptions, 1, () => T0, 'c')) as [Subscription];
  const gone: Subscription = { ...c, id: '999999' };
  const before = (db.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n;
  await assert.rejects(
    sweeps.commit(
      [
        { subscription: c, observation: obsOf(c, 'x'), checkedAt: T0, nextCheckAt: next },
        { subscription: gone, observation: obsOf(gone, 'x'), checkedAt: T0, nextCheckAt: next },
      ],
      { history: 6, decide },
    ),
    /FOREIGN KEY/,
  );
  assert.equal((db.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n, before);
  assert.equal((await subscriptions.get(c.id))?.nextCheckAt.getTime(), T0.getTime());
  db.close();
});

test('sweep batch: the ledger forgets the delivered rows and threads `forget` names, in the same transaction; never an intended one', async () => {
  const db = openDb(':memory:');
  const subscriptions = new SqliteSubscriptionStore(db);
  const observations = new SqliteObservationStore(db);
  const reminders = new SqliteReminderStore(db);
  const sweeps = new SqliteSweepStore(db, { observations, reminders, subscriptions });
  const [a] = (await seedSubs(subscriptions, 1, () => T0)) as [Subscription];
  const owe = (key: string, fingerprint: string): OwedReminder => ({
    key,
    covers: [],
    critical: false,
    facts: { kind: 'threshold', target: a.target, fingerprint, notAfter: '2026-01-01T00:00:00.000Z' },
  });
  const [old, other, waiting] = await reminders.intend(
    a.id,
    a.channel,
    [owe('threshold:OLD:30', 'OLD'), owe('threshold:NEW:30', 'NEW'), owe('threshold:OLD:7', 'OLD')],
    T0,
  );
  await reminders.markSent(old!.id, '1.1', null, T0);
  await reminders.markSent(other!.id, '1.2', null, T0);
  await reminders.setThread(a.id, 'OLD', a.channel, '1.1');
  await reminders.setThread(a.id, 'NEW', a.channel, '1.2');
  const seen: string[][] = [];
  const forget: ForgetDecided = (_history, ledger) => {
    seen.push(ledger.map((e) => `${e.key} ${e.status} ${e.fingerprint} ${e.notAfter}`));
    return { ids: [old!.id, waiting!.id], fingerprints: ['OLD'] };
  };
  const next = new Date(T0.getTime() + 6 * 3_600_000);
  const obs = { subscriptionId: a.id, at: T0, verdict: 'ok' as const, codes: [], critical: [], endpoints: [] };
  await sweeps.commit([{ subscription: a, observation: obs, checkedAt: T0, nextCheckAt: next }], {
    history: 6,
    decide: () => [],
    forget,
  });
  assert.deepEqual(seen, [
    [
      'threshold:OLD:30 sent OLD 2026-01-01T00:00:00.000Z',
      'threshold:NEW:30 sent NEW 2026-01-01T00:00:00.000Z',
      'threshold:OLD:7 intended OLD 2026-01-01T00:00:00.000Z',
    ],
  ]);
  assert.deepEqual(
    (await reminders.ledger(a.id)).map((e) => e.key),
    ['threshold:NEW:30', 'threshold:OLD:7'],
    'the delivered row named is gone; the intended one named stays (it is still to be posted)',
  );
  assert.equal(await reminders.thread(a.id, 'OLD'), null);
  assert.equal(await reminders.thread(a.id, 'NEW'), '1.2');
  db.close();
});
