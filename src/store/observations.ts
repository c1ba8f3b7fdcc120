/**
 * Observations: what each check of a watched target saw, per address (leaf and chain fingerprints,
 * notAfter, verdict, finding codes). The reminder policy and `/cert history` read them back.
 */
import type { Db } from './db.js';
import type { NewObservation, Observation, ObservationStore } from './types.js';

interface Row {
  id: number;
  subscription_id: number;
  at: number;
  verdict: Observation['verdict'];
  codes: string;
  critical: string;
  endpoints: string;
}

/**
 * Observations kept per subscription: two months at the default 6 h (what /cert history shows); older
 * ones are deleted as new ones arrive, so 10 000 watched endpoints stay a bounded table.
 */
export const KEEP_OBSERVATIONS = 240;

export class SqliteObservationStore implements ObservationStore {
  #insert;
  #recent;
  #latest;
  #prune;
  #keep: number;

  constructor(db: Db, opts: { keep?: number } = {}) {
    this.#keep = opts.keep ?? KEEP_OBSERVATIONS;
    this.#prune = db.prepare<[number, number, number]>(
      `DELETE FROM observations WHERE subscription_id = ? AND id <= (
         SELECT id FROM observations WHERE subscription_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    );
    this.#insert = db.prepare<[number, number, string, string, string, string]>(
      `INSERT INTO observations (subscription_id, at, verdict, codes, critical, endpoints) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#recent = db.prepare<[number, number], Row>(
      'SELECT * FROM observations WHERE subscription_id = ? ORDER BY id DESC LIMIT ?',
    );
    this.#latest = db.prepare<[string], Row>(
      `SELECT o.* FROM observations o
       JOIN (SELECT subscription_id, MAX(id) AS id FROM observations
             WHERE subscription_id IN (SELECT value FROM json_each(?)) GROUP BY subscription_id) m ON m.id = o.id`,
    );
  }

  async record(obs: NewObservation): Promise<Observation> {
    return this.recordSync(obs);
  }

  /** record() for a caller's transaction (src/store/sweep-batch.ts). */
  recordSync(obs: NewObservation): Observation {
    const info = this.#insert.run(
      Number(obs.subscriptionId),
      obs.at.getTime(),
      obs.verdict,
      JSON.stringify(obs.codes),
      JSON.stringify(obs.critical),
      JSON.stringify(obs.endpoints),
    );
    this.#prune.run(Number(obs.subscriptionId), Number(obs.subscriptionId), this.#keep);
    return { ...obs, id: String(info.lastInsertRowid) };
  }

  async recent(subscriptionId: string, n: number): Promise<Observation[]> {
    return this.recentSync(subscriptionId, n);
  }

  recentSync(subscriptionId: string, n: number): Observation[] {
    return this.#recent.all(Number(subscriptionId), n).reverse().map(fromRow);
  }

  async latest(subscriptionIds: string[]): Promise<Map<string, Observation>> {
    const rows = this.#latest.all(JSON.stringify(subscriptionIds.map(Number)));
    return new Map(rows.map((r) => [String(r.subscription_id), fromRow(r)]));
  }
}

function fromRow(r: Row): Observation {
  return {
    id: String(r.id),
    subscriptionId: String(r.subscription_id),
    at: new Date(r.at),
    verdict: r.verdict,
    codes: JSON.parse(r.codes) as string[],
    critical: JSON.parse(r.critical) as string[],
    endpoints: JSON.parse(r.endpoints) as Observation['endpoints'],
  };
}
