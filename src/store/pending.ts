/**
 * "Checking…" messages in flight (pending_checks, migration 2). A check records its message when it posts
 * it and forgets it when the message becomes a diagnosis or an error. Rows left behind are the checks a
 * crash (kill -9, OOM, power) interrupted: at start the transport marks each one failed in place and
 * forgets it, so no message says "Checking…" forever.
 */
import type { Db } from './db.js';
import type { PendingCheck, PendingCheckStore } from './types.js';

interface Row {
  channel: string;
  ts: string;
  target: string;
  requested_by: string;
  started_at: string;
}

export class SqlitePendingChecks implements PendingCheckStore {
  #insert;
  #delete;
  #all;

  constructor(db: Db) {
    // OR REPLACE: a message ref is unique; a stale row for it (same ref after a restore) is superseded
    this.#insert = db.prepare<[string, string, string, string, string]>(
      'INSERT OR REPLACE INTO pending_checks (channel, ts, target, requested_by, started_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.#delete = db.prepare<[string, string]>('DELETE FROM pending_checks WHERE channel = ? AND ts = ?');
    this.#all = db.prepare<[], Row>('SELECT * FROM pending_checks ORDER BY started_at, channel, ts');
  }

  async add(c: PendingCheck): Promise<void> {
    this.#insert.run(c.channel, c.ts, c.target, c.requestedBy, c.startedAt);
  }

  async remove(ref: { channel: string; ts: string }): Promise<void> {
    this.#delete.run(ref.channel, ref.ts);
  }

  async list(): Promise<PendingCheck[]> {
    return this.#all.all().map((r) => ({
      channel: r.channel,
      ts: r.ts,
      target: r.target,
      requestedBy: r.requested_by,
      startedAt: r.started_at,
    }));
  }
}
