/**
 * Slack event ids already processed. Slack redelivers an event when our HTTP answer is slow or fails
 * (X-Slack-Retry-Num); a retried delivery must never post twice. Ids expire after a TTL well past
 * Slack's retry window (three retries within about an hour). Expired ids are deleted as deliveries arrive, at
 * most once per `pruneEveryMs`, so the table stays small however long the process runs.
 */
import type { Db } from './db.js';
import type { EventDedup } from './types.js';

export const DEFAULT_EVENT_TTL_MS = 24 * 3_600_000;
const DEFAULT_PRUNE_EVERY_MS = 3_600_000;

export class SqliteEventDedup implements EventDedup {
  #insert;
  #prune;
  #ttlMs: number;
  #pruneEveryMs: number;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #clock: () => Date;

  constructor(db: Db, opts: { ttlMs?: number; pruneEveryMs?: number; clock?: () => Date } = {}) {
    this.#ttlMs = opts.ttlMs ?? DEFAULT_EVENT_TTL_MS;
    this.#pruneEveryMs = opts.pruneEveryMs ?? DEFAULT_PRUNE_EVERY_MS;
    this.#clock = opts.clock ?? (() => new Date());
    // One statement does "insert unless present within TTL": an expired row is overwritten, a live one kept,
    // and `changes` tells which happened, so two concurrent deliveries cannot both pass.
    this.#insert = db.prepare<{ id: string; now: number; cutoff: number }>(
      `INSERT INTO processed_events (event_id, seen_at) VALUES (@id, @now)
       ON CONFLICT (event_id) DO UPDATE SET seen_at = @now WHERE processed_events.seen_at <= @cutoff`,
    );
    this.#prune = db.prepare<[number]>('DELETE FROM processed_events WHERE seen_at <= ?');
  }

  // async for the interface; the body has no await, so the prune and the insert run as one synchronous step
  async seen(eventId: string, now: Date = this.#clock()): Promise<boolean> {
    const t = now.getTime();
    if (t - this.#lastPrune >= this.#pruneEveryMs) this.prune(now);
    const res = this.#insert.run({ id: eventId, now: t, cutoff: t - this.#ttlMs });
    return res.changes === 0;
  }

  /** Delete expired ids; returns how many. Call now and then (start-up, sweeps). */
  prune(now: Date = this.#clock()): number {
    this.#lastPrune = now.getTime();
    return this.#prune.run(now.getTime() - this.#ttlMs).changes;
  }
}
