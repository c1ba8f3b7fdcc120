/**
 * The SQLite database (better-sqlite3): opening, WAL, and forward-only migrations recorded in a
 * `migrations` table. Aggregates (incidents, events, …) live in their own modules over this handle.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_DB_PATH } from '../config.js';

export type Db = Database.Database;

/** Migrations in order; the schema version is their count. Append only: a shipped migration never changes. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE incidents (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     channel TEXT NOT NULL,
     ts TEXT NOT NULL,
     target TEXT NOT NULL,
     requested_by TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
     resolved_by TEXT,
     resolved_at TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     last_diagnosis TEXT NOT NULL,
     UNIQUE (channel, ts)
   );
   CREATE TABLE processed_events (
     event_id TEXT PRIMARY KEY,
     seen_at INTEGER NOT NULL
   );
   CREATE INDEX processed_events_seen_at ON processed_events (seen_at);`,
  `CREATE TABLE pending_checks (
     channel TEXT NOT NULL,
     ts TEXT NOT NULL,
     target TEXT NOT NULL,
     requested_by TEXT NOT NULL,
     started_at TEXT NOT NULL,
     PRIMARY KEY (channel, ts)
   );`,
  // 3: watched endpoints (issue 8). Times are epoch ms (compared, never displayed); JSON columns are
  // plain data the store round-trips. A reminder row is written before its post (intent) and completed
  // with the Slack ts after (src/scheduler/deliver.ts explains the exactly-once protocol).
  `CREATE TABLE subscriptions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     channel TEXT NOT NULL,
     target TEXT NOT NULL,
     created_by TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     thresholds TEXT NOT NULL,
     next_check_at INTEGER NOT NULL,
     last_checked_at INTEGER,
     UNIQUE (channel, target)
   );
   CREATE INDEX subscriptions_due ON subscriptions (next_check_at);
   CREATE INDEX subscriptions_user ON subscriptions (created_by);
   CREATE TABLE paused_channels (
     channel TEXT PRIMARY KEY,
     reason TEXT NOT NULL,
     paused_at INTEGER NOT NULL
   );
   CREATE TABLE observations (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
     at INTEGER NOT NULL,
     verdict TEXT NOT NULL,
     codes TEXT NOT NULL,
     critical TEXT NOT NULL,
     endpoints TEXT NOT NULL
   );
   CREATE INDEX observations_sub ON observations (subscription_id, id);
   CREATE TABLE reminders (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
     key TEXT NOT NULL,
     covers TEXT NOT NULL,
     kind TEXT NOT NULL,
     fingerprint TEXT,
     critical INTEGER NOT NULL,
     body TEXT NOT NULL,
     channel TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('intended', 'sent', 'dropped')),
     attempts INTEGER NOT NULL DEFAULT 0,
     thread_ts TEXT,
     sent_ts TEXT,
     created_at INTEGER NOT NULL,
     sent_at INTEGER,
     UNIQUE (subscription_id, key)
   );
   CREATE INDEX reminders_pending ON reminders (status, channel);
   CREATE TABLE reminder_threads (
     subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
     fingerprint TEXT NOT NULL,
     channel TEXT NOT NULL,
     ts TEXT NOT NULL,
     PRIMARY KEY (subscription_id, fingerprint)
   );
   CREATE TABLE leases (
     name TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** `CERT_DOCTOR_DB` or ./data/cert-doctor.db. */
export function defaultDbPath(env: Record<string, string | undefined> = process.env): string {
  return env.CERT_DOCTOR_DB?.trim() || DEFAULT_DB_PATH;
}

/** Open (creating the file and its directory) and migrate. `':memory:'` gives a private in-memory database. */
export function openDb(path: string = defaultDbPath()): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // A second process (or a crashed one's WAL) holding a lock should delay us, not fail us.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * Apply the migrations this database has not seen, each in its own transaction, up to `upTo` (tests build
 * every earlier version with it). Returns the version reached.
 */
export function migrate(db: Db, upTo: number = SCHEMA_VERSION): number {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
  )`);
  const row = db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM migrations').get() as { v: number };
  if (row.v > SCHEMA_VERSION) {
    throw new Error(`database schema version ${row.v} is newer than this build supports (${SCHEMA_VERSION})`);
  }
  const record = db.prepare('INSERT INTO migrations (version, applied_at) VALUES (?, ?)');
  for (let v = row.v + 1; v <= Math.min(upTo, SCHEMA_VERSION); v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v - 1]!);
      record.run(v, new Date().toISOString());
    })();
  }
  return Math.max(row.v, Math.min(upTo, SCHEMA_VERSION));
}
