/**
 * Reminders owed and sent, and the thread of each certificate's reminders. A row is written as
 * `intended` before its post and marked `sent` with the Slack ts after; UNIQUE (subscription_id, key)
 * makes deciding the same reminder twice a no-op (src/scheduler/deliver.ts has the whole protocol).
 */
import type { Db } from './db.js';
import type {
  Forgettable,
  LedgerEntry,
  OwedReminder,
  Reminder,
  ReminderFacts,
  ReminderStore,
  StoredLedgerEntry,
} from './types.js';

interface Row {
  id: number;
  subscription_id: number;
  key: string;
  covers: string;
  kind: ReminderFacts['kind'];
  fingerprint: string | null;
  critical: number;
  body: string;
  channel: string;
  status: Reminder['status'];
  attempts: number;
  thread_ts: string | null;
  sent_ts: string | null;
  created_at: number;
  sent_at: number | null;
}

export class SqliteReminderStore implements ReminderStore {
  #db: Db;
  #ledger;
  #insert;
  #pending;
  #attempt;
  #sent;
  #drop;
  #thread;
  #setThread;
  #sentOf;
  #withdraw;
  #forget;
  #forgetThreads;

  constructor(db: Db) {
    this.#db = db;
    this.#ledger = db.prepare<
      [number],
      Pick<Row, 'id' | 'key' | 'covers' | 'kind' | 'created_at' | 'status' | 'fingerprint'> & { not_after: unknown }
    >(
      `SELECT id, key, covers, kind, created_at, status, fingerprint, json_extract(body, '$.notAfter') AS not_after
       FROM reminders WHERE subscription_id = ? ORDER BY id`,
    );
    this.#forget = db.prepare<[number, string]>(
      `DELETE FROM reminders WHERE subscription_id = ? AND status != 'intended' AND id IN (SELECT value FROM json_each(?))`,
    );
    this.#forgetThreads = db.prepare<[number, string]>(
      'DELETE FROM reminder_threads WHERE subscription_id = ? AND fingerprint IN (SELECT value FROM json_each(?))',
    );
    this.#insert = db.prepare<[number, string, string, string, string | null, number, string, string, number]>(
      `INSERT INTO reminders (subscription_id, key, covers, kind, fingerprint, critical, body, channel, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'intended', ?) ON CONFLICT (subscription_id, key) DO NOTHING`,
    );
    this.#pending = db.prepare<[], Row>(`SELECT * FROM reminders WHERE status = 'intended' ORDER BY id`);
    this.#withdraw = db.prepare<[string, string]>(
      `DELETE FROM reminders WHERE channel = ? AND status = 'intended'
         AND (attempts = 0 OR id IN (SELECT value FROM json_each(?)))`,
    );
    this.#attempt = db.prepare<[number]>('UPDATE reminders SET attempts = attempts + 1 WHERE id = ?');
    this.#sent = db.prepare<[string, string | null, number, number]>(
      `UPDATE reminders SET status = 'sent', sent_ts = ?, thread_ts = ?, sent_at = ? WHERE id = ?`,
    );
    this.#drop = db.prepare<[number]>(`UPDATE reminders SET status = 'dropped' WHERE id = ?`);
    this.#thread = db.prepare<[number, string], { ts: string }>(
      'SELECT ts FROM reminder_threads WHERE subscription_id = ? AND fingerprint = ?',
    );
    this.#setThread = db.prepare<[number, string, string, string]>(
      `INSERT INTO reminder_threads (subscription_id, fingerprint, channel, ts) VALUES (?, ?, ?, ?)
       ON CONFLICT (subscription_id, fingerprint) DO NOTHING`,
    );
    this.#sentOf = db.prepare<[number, number], Row>(
      `SELECT * FROM reminders WHERE subscription_id = ? AND status = 'sent' ORDER BY id DESC LIMIT ?`,
    );
  }

  async ledger(subscriptionId: string): Promise<LedgerEntry[]> {
    return this.ledgerSync(subscriptionId);
  }

  /** ledger() for a caller's transaction (src/store/sweep-batch.ts). */
  ledgerSync(subscriptionId: string): StoredLedgerEntry[] {
    return this.#ledger.all(Number(subscriptionId)).map((r) => ({
      id: String(r.id),
      key: r.key,
      covers: JSON.parse(r.covers) as string[],
      kind: r.kind,
      createdAt: new Date(r.created_at),
      status: r.status,
      fingerprint: r.fingerprint,
      notAfter: typeof r.not_after === 'string' ? r.not_after : null,
    }));
  }

  /** Forget delivered rows and certificates' threads no later decision needs (src/scheduler/prune.ts). */
  forgetSync(subscriptionId: string, f: Forgettable): number {
    const sub = Number(subscriptionId);
    if (f.fingerprints.length > 0) this.#forgetThreads.run(sub, JSON.stringify(f.fingerprints));
    return f.ids.length === 0 ? 0 : this.#forget.run(sub, JSON.stringify(f.ids.map(Number))).changes;
  }

  async intend(subscriptionId: string, channel: string, owed: OwedReminder[], now: Date): Promise<Reminder[]> {
    return this.intendSync(subscriptionId, channel, owed, now);
  }

  /** intend() for a caller's transaction (a nested one becomes a savepoint). */
  intendSync(subscriptionId: string, channel: string, owed: OwedReminder[], now: Date): Reminder[] {
    return this.#db.transaction(() => {
      const out: Reminder[] = [];
      for (const o of owed) {
        const info = this.#insert.run(
          Number(subscriptionId),
          o.key,
          JSON.stringify(o.covers),
          o.facts.kind,
          o.facts.fingerprint,
          o.critical ? 1 : 0,
          JSON.stringify(o.facts),
          channel,
          now.getTime(),
        );
        if (info.changes === 0) continue;
        out.push({
          ...o,
          id: String(info.lastInsertRowid),
          subscriptionId,
          channel,
          status: 'intended',
          attempts: 0,
          threadTs: null,
          sentTs: null,
          createdAt: now,
          sentAt: null,
        });
      }
      return out;
    })();
  }

  async pending(): Promise<Reminder[]> {
    return this.#pending.all().map(fromRow);
  }

  async markAttempt(id: string): Promise<void> {
    this.#attempt.run(Number(id));
  }

  async markSent(id: string, ts: string, threadTs: string | null, now: Date): Promise<void> {
    this.#sent.run(ts, threadTs, now.getTime(), Number(id));
  }

  async withdraw(channel: string, notPosted: string[]): Promise<number> {
    return this.#withdraw.run(channel, JSON.stringify(notPosted.map(Number))).changes;
  }

  async markDropped(id: string): Promise<void> {
    this.#drop.run(Number(id));
  }

  async thread(subscriptionId: string, fingerprint: string): Promise<string | null> {
    return this.#thread.get(Number(subscriptionId), fingerprint)?.ts ?? null;
  }

  async setThread(subscriptionId: string, fingerprint: string, channel: string, ts: string): Promise<void> {
    this.#setThread.run(Number(subscriptionId), fingerprint, channel, ts);
  }

  async sent(subscriptionId: string, limit: number): Promise<Reminder[]> {
    return this.#sentOf.all(Number(subscriptionId), limit).map(fromRow);
  }
}

function fromRow(r: Row): Reminder {
  return {
    id: String(r.id),
    subscriptionId: String(r.subscription_id),
    key: r.key,
    covers: JSON.parse(r.covers) as string[],
    facts: JSON.parse(r.body) as ReminderFacts,
    critical: r.critical === 1,
    channel: r.channel,
    status: r.status,
    attempts: r.attempts,
    threadTs: r.thread_ts,
    sentTs: r.sent_ts,
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at === null ? null : new Date(r.sent_at),
  };
}
