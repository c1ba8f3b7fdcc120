import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDb, SCHEMA_VERSION } from '../src/store/db.js';
import { SqliteEventDedup } from '../src/store/events.js';
import { SqliteIncidentStore } from '../src/store/incidents.js';
import { diagnosisWith, finding } from './support/diagnosis.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = new Date('2026-03-01T10:00:00Z');
const T1 = new Date('2026-03-01T11:00:00Z');

test('an incident survives closing and reopening the database file (and the parent dir is created)', async () => {
  const file = join(dir, 'nested', 'deeper', 'incidents.db');
  let db = openDb(file);
  assert.ok(existsSync(file));
  const created = await new SqliteIncidentStore(db).create({
    channel: 'C1',
    ts: '1700000000.000100',
    target: 'example.test:8443',
    requestedBy: 'U1',
    diagnosis: diagnosisWith([finding('chain_incomplete')]),
    now: T0,
  });
  db.close();

  db = openDb(file);
  const store = new SqliteIncidentStore(db);
  const again = await store.get(created.id);
  assert.deepEqual(again, created);
  assert.equal(again?.lastDiagnosis.findings[0]?.code, 'chain_incomplete');
  assert.equal((await store.getByMessage('C1', '1700000000.000100'))?.id, created.id);
  assert.equal(await store.getByMessage('C1', '1700000000.000200'), null);
  assert.deepEqual(db.prepare('SELECT MAX(version) AS v FROM migrations').get(), { v: SCHEMA_VERSION });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('resolve records who and when; a critical update re-opens and clears them', async () => {
  const db = openDb(':memory:');
  const store = new SqliteIncidentStore(db);
  const inc = await store.create({
    channel: 'C1',
    ts: '1.1',
    target: 'a.test',
    requestedBy: 'U1',
    diagnosis: diagnosisWith([finding('cert_expired')]),
    now: T0,
  });
  assert.equal(inc.status, 'open');
  assert.equal(inc.resolvedBy, null);

  const ok = await store.update(inc.id, { diagnosis: diagnosisWith([]), now: T1 });
  assert.equal(ok.status, 'open', 'update without status keeps it');
  assert.equal(ok.lastDiagnosis.findings.length, 0);
  assert.equal(ok.updatedAt, T1.toISOString());

  const resolved = await store.resolve(inc.id, 'U2', T1);
  assert.deepEqual([resolved.status, resolved.resolvedBy, resolved.resolvedAt], ['resolved', 'U2', T1.toISOString()]);

  const reopened = await store.update(inc.id, {
    diagnosis: diagnosisWith([finding('cert_expired')]),
    status: 'open',
    now: T1,
  });
  assert.deepEqual([reopened.status, reopened.resolvedBy, reopened.resolvedAt], ['open', null, null]);
  db.close();
});

test('ids that are not canonical incident ids find nothing; writes to them throw incident_not_found', async () => {
  const db = openDb(':memory:');
  const store = new SqliteIncidentStore(db);
  for (const id of ['', '0', '01', '-1', '1.5', '1 OR 1=1', '99', 'abc', '9'.repeat(30)]) {
    assert.equal(await store.get(id), null, id);
  }
  await assert.rejects(store.resolve('99', 'U', T0), { code: 'incident_not_found' });
  await assert.rejects(store.update('x', { diagnosis: diagnosisWith([]), now: T0 }), { code: 'incident_not_found' });
  db.close();
});

test('one parent message is one incident', async () => {
  const db = openDb(':memory:');
  const store = new SqliteIncidentStore(db);
  const input = { channel: 'C', ts: '2.2', target: 't', requestedBy: 'U', diagnosis: diagnosisWith([]), now: T0 };
  await store.create(input);
  await assert.rejects(store.create(input), /UNIQUE/);
  db.close();
});

test('event dedup: first delivery passes, retries within the TTL are seen, expired ids pass again', async () => {
  const db = openDb(':memory:');
  const events = new SqliteEventDedup(db, { ttlMs: 60_000 });
  const t = (s: number) => new Date(T0.getTime() + s * 1000);
  assert.equal(await events.seen('Ev1', t(0)), false);
  assert.equal(await events.seen('Ev1', t(1)), true);
  assert.equal(await events.seen('Ev1', t(59)), true);
  assert.equal(await events.seen('Ev2', t(1)), false);
  assert.equal(await events.seen('Ev1', t(61)), false, 'expired: a new delivery');
  assert.equal(await events.seen('Ev1', t(62)), true);
  assert.equal(events.prune(t(200)), 2);
  assert.equal(await events.seen('Ev2', t(200)), false);
  db.close();
});

test('event dedup: expired ids are deleted as deliveries arrive, at most once per pruneEveryMs', async () => {
  const db = openDb(':memory:');
  const events = new SqliteEventDedup(db, { ttlMs: 60_000, pruneEveryMs: 3_600_000 });
  const t = (s: number) => new Date(T0.getTime() + s * 1000);
  const rows = () => (db.prepare('SELECT count(*) AS n FROM processed_events').get() as { n: number }).n;
  for (let i = 0; i < 5; i++) await events.seen(`Old${i}`, t(i));
  assert.equal(rows(), 5);
  await events.seen('Mid', t(120));
  assert.equal(rows(), 6, 'the last prune was under an hour ago: nothing deleted yet');
  await events.seen('New', t(3_600));
  assert.equal(rows(), 1, 'an hour later the expired ids are gone, the new one recorded');
  db.close();
});

test('event dedup: concurrent deliveries of one id — exactly one passes (check and insert are one step)', async () => {
  const file = join(dir, 'events-race.db');
  const a = openDb(file);
  const b = openDb(file);
  for (let i = 0; i < 20; i++) {
    const handles = [new SqliteEventDedup(a), new SqliteEventDedup(b), new SqliteEventDedup(a)];
    const answers = await Promise.all(handles.map((h) => h.seen(`EvRace${i}`, T0)));
    assert.equal(answers.filter((seen) => !seen).length, 1, `round ${i}: ${answers}`);
  }
  a.close();
  b.close();
});

test('event dedup holds across two handles on the same file (two processes)', async () => {
  const file = join(dir, 'events.db');
  const a = openDb(file);
  const b = openDb(file);
  const now = T0;
  assert.equal(await new SqliteEventDedup(a).seen('EvX', now), false);
  assert.equal(await new SqliteEventDedup(b).seen('EvX', now), true);
  a.close();
  b.close();
});

test('a database from a newer build is refused, not silently downgraded', () => {
  const file = join(dir, 'newer.db');
  const db = openDb(file);
  db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)').run(SCHEMA_VERSION + 1, T0.toISOString());
  db.close();
  assert.throws(() => openDb(file), /newer than this build/);
});
