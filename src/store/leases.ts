/**
 * Named leases with an expiry: one active scheduler per database. `acquire` is one conditional upsert,
 * so two processes racing for an expired lease cannot both win (SQLite serialises writers). Holders
 * renew well within the TTL; a holder that dies stops renewing and another takes over after expiry.
 */
import type { Db } from './db.js';
import type { LeaseStore } from './types.js';

export class SqliteLeaseStore implements LeaseStore {
  #claim;
  #release;
  #holder;

  constructor(db: Db) {
    this.#claim = db.prepare<{ name: string; holder: string; now: number; until: number }>(
      `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @until)
       ON CONFLICT (name) DO UPDATE SET holder = @holder, expires_at = @until
       WHERE leases.holder = @holder OR leases.expires_at <= @now`,
    );
    this.#release = db.prepare<[string, string]>('DELETE FROM leases WHERE name = ? AND holder = ?');
    this.#holder = db.prepare<[string, number], { holder: string }>(
      'SELECT holder FROM leases WHERE name = ? AND expires_at > ?',
    );
  }

  async acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean> {
    const t = now.getTime();
    return this.#claim.run({ name, holder, now: t, until: t + ttlMs }).changes > 0;
  }

  async release(name: string, holder: string): Promise<void> {
    this.#release.run(name, holder);
  }

  async holder(name: string, now: Date): Promise<string | null> {
    return this.#holder.get(name, now.getTime())?.holder ?? null;
  }
}
