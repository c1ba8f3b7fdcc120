/**
 * Subscriptions (a channel watching a target) and paused channels, in SQLite. Statements are prepared
 * once; the per-channel cap is checked and the row inserted in one transaction, so two concurrent
 * watches cannot both take the last slot.
 */
import type { Db } from './db.js';
import type { AddSubscriptionResult, NewSubscription, Subscription, SubscriptionStore } from './types.js';

interface Row {
  id: number;
  channel: string;
  target: string;
  created_by: string;
  created_at: number;
  thresholds: string;
  next_check_at: number;
  last_checked_at: number | null;
  reason: string | null;
}

const SELECT = `SELECT s.*, p.reason FROM subscriptions s LEFT JOIN paused_channels p ON p.channel = s.channel`;

export class SqliteSubscriptionStore implements SubscriptionStore {
  #db: Db;
  #insert;
  #count;
  #byId;
  #find;
  #byChannel;
  #byUser;
  #all;
  #due;
  #dueAfter;
  #delete;
  #schedule;
  #pause;
  #resume;
  #dueNow;
  #paused;

  constructor(db: Db) {
    this.#db = db;
    this.#insert = db.prepare<[string, string, string, number, string, number]>(
      `INSERT INTO subscriptions (channel, target, created_by, created_at, thresholds, next_check_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#count = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM subscriptions WHERE channel = ?');
    this.#byId = db.prepare<[number], Row>(`${SELECT} WHERE s.id = ?`);
    this.#find = db.prepare<[string, string], Row>(`${SELECT} WHERE s.channel = ? AND s.target = ?`);
    this.#byChannel = db.prepare<[string], Row>(`${SELECT} WHERE s.channel = ? ORDER BY s.id`);
    this.#byUser = db.prepare<[string], Row>(`${SELECT} WHERE s.created_by = ? ORDER BY s.channel, s.id`);
    this.#all = db.prepare<[], Row>(`${SELECT} ORDER BY s.id`);
    this.#due = db.prepare<[number, number], Row>(
      `${SELECT} WHERE s.next_check_at <= ? AND p.channel IS NULL ORDER BY s.next_check_at, s.id LIMIT ?`,
    );
    // keyset paging: the page after (next_check_at, id), so a sweep streams its due list page by page
    this.#dueAfter = db.prepare<[number, number, number, number], Row>(
      `${SELECT} WHERE s.next_check_at <= ? AND (s.next_check_at, s.id) > (?, ?) AND p.channel IS NULL
       ORDER BY s.next_check_at, s.id LIMIT ?`,
    );
    this.#delete = db.prepare<[string, string]>('DELETE FROM subscriptions WHERE channel = ? AND target = ?');
    this.#schedule = db.prepare<[number, number, number]>(
      'UPDATE subscriptions SET last_checked_at = ?, next_check_at = ? WHERE id = ?',
    );
    this.#pause = db.prepare<[string, string, number]>(
      'INSERT INTO paused_channels (channel, reason, paused_at) VALUES (?, ?, ?) ON CONFLICT (channel) DO NOTHING',
    );
    this.#resume = db.prepare<[string]>('DELETE FROM paused_channels WHERE channel = ?');
    this.#dueNow = db.prepare<[number, string]>(
      'UPDATE subscriptions SET next_check_at = MIN(next_check_at, ?) WHERE channel = ?',
    );
    this.#paused = db.prepare<[], { channel: string; reason: string }>(
      'SELECT channel, reason FROM paused_channels ORDER BY channel',
    );
  }

  async add(input: NewSubscription): Promise<AddSubscriptionResult> {
    return this.#db.transaction((): AddSubscriptionResult => {
      const existing = this.#find.get(input.channel, input.target);
      if (existing) return { ok: false, reason: 'exists', subscription: fromRow(existing) };
      const count = this.#count.get(input.channel)!.n;
      if (count >= input.cap) return { ok: false, reason: 'cap', count };
      const info = this.#insert.run(
        input.channel,
        input.target,
        input.createdBy,
        input.now.getTime(),
        JSON.stringify(input.thresholds),
        input.nextCheckAt.getTime(),
      );
      return { ok: true, subscription: fromRow(this.#byId.get(Number(info.lastInsertRowid))!) };
    })();
  }

  async remove(channel: string, target: string): Promise<boolean> {
    return this.#delete.run(channel, target).changes > 0;
  }

  async get(id: string): Promise<Subscription | null> {
    const row = /^[1-9]\d{0,15}$/.test(id) ? this.#byId.get(Number(id)) : undefined;
    return row ? fromRow(row) : null;
  }

  async find(channel: string, target: string): Promise<Subscription | null> {
    const row = this.#find.get(channel, target);
    return row ? fromRow(row) : null;
  }

  async byChannel(channel: string): Promise<Subscription[]> {
    return this.#byChannel.all(channel).map(fromRow);
  }

  async byUser(userId: string): Promise<Subscription[]> {
    return this.#byUser.all(userId).map(fromRow);
  }

  async all(): Promise<Subscription[]> {
    return this.#all.all().map(fromRow);
  }

  async due(now: Date, limit: number, after?: { nextCheckAt: Date; id: string }): Promise<Subscription[]> {
    if (!after) return this.#due.all(now.getTime(), limit).map(fromRow);
    return this.#dueAfter.all(now.getTime(), after.nextCheckAt.getTime(), Number(after.id), limit).map(fromRow);
  }

  async scheduleNext(id: string, checkedAt: Date, nextCheckAt: Date): Promise<void> {
    this.scheduleNextSync(id, checkedAt, nextCheckAt);
  }

  /** scheduleNext() for a caller's transaction (src/store/sweep-batch.ts). */
  scheduleNextSync(id: string, checkedAt: Date, nextCheckAt: Date): void {
    this.#schedule.run(checkedAt.getTime(), nextCheckAt.getTime(), Number(id));
  }

  async pauseChannel(channel: string, reason: string, now: Date): Promise<boolean> {
    return this.#pause.run(channel, reason, now.getTime()).changes > 0;
  }

  async resumeChannel(channel: string, now: Date): Promise<boolean> {
    return this.#db.transaction(() => {
      const resumed = this.#resume.run(channel).changes > 0;
      if (resumed) this.#dueNow.run(now.getTime(), channel);
      return resumed;
    })();
  }

  async pausedChannels(): Promise<{ channel: string; reason: string }[]> {
    return this.#paused.all();
  }
}

function fromRow(r: Row): Subscription {
  return {
    id: String(r.id),
    channel: r.channel,
    target: r.target,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    thresholds: JSON.parse(r.thresholds) as number[],
    nextCheckAt: new Date(r.next_check_at),
    lastCheckedAt: r.last_checked_at === null ? null : new Date(r.last_checked_at),
    pausedReason: r.reason,
  };
}
