/**
 * The store interfaces of watched endpoints (issue 8). They return promises so a PostgreSQL
 * implementation can replace the SQLite one (src/store/*.ts) for multi-replica use without touching
 * callers. Plain data in and out; times are Dates, ids are strings.
 *
 * Stability: a contract shared by commands/, src/scheduler/ and the transports. Change it additively.
 */
import type { Verdict } from '../rules/types.js';

/** A channel watching one target. */
export interface Subscription {
  id: string;
  channel: string;
  /** what the user typed (checks parse it again), normalised to `host:port` when it parsed */
  target: string;
  /** user id of whoever ran `/cert watch` (App Home lists a user's subscriptions) */
  createdBy: string;
  createdAt: Date;
  /** day thresholds, descending, e.g. [30, 14, 7, 3, 1] */
  thresholds: number[];
  nextCheckAt: Date;
  lastCheckedAt: Date | null;
  /** why the channel's reminders are paused (bot removed, channel archived); null when active */
  pausedReason: string | null;
}

export interface NewSubscription {
  channel: string;
  target: string;
  createdBy: string;
  thresholds: number[];
  now: Date;
  /** when the first sweep may check it (watch itself checks at once) */
  nextCheckAt: Date;
  /** the per-channel cap; adding beyond it is refused */
  cap: number;
}

export type AddSubscriptionResult =
  | { ok: true; subscription: Subscription }
  | { ok: false; reason: 'exists'; subscription: Subscription }
  | { ok: false; reason: 'cap'; count: number };

export interface SubscriptionStore {
  add(input: NewSubscription): Promise<AddSubscriptionResult>;
  /** true when it existed */
  remove(channel: string, target: string): Promise<boolean>;
  get(id: string): Promise<Subscription | null>;
  find(channel: string, target: string): Promise<Subscription | null>;
  byChannel(channel: string): Promise<Subscription[]>;
  byUser(userId: string): Promise<Subscription[]>;
  all(): Promise<Subscription[]>;
  /** subscriptions of unpaused channels with nextCheckAt ≤ now, earliest first, at most `limit` */
  due(now: Date, limit: number): Promise<Subscription[]>;
  scheduleNext(id: string, checkedAt: Date, nextCheckAt: Date): Promise<void>;
  /** pause every subscription of a channel (records the first reason); true when it was not paused */
  pauseChannel(channel: string, reason: string, now: Date): Promise<boolean>;
  /** true when it was paused */
  resumeChannel(channel: string): Promise<boolean>;
  pausedChannels(): Promise<{ channel: string; reason: string }[]>;
}

/** One address as one check saw it. */
export interface EndpointObservation {
  address: string;
  /** the leaf the server sent with SNI; null when the handshake showed none */
  leaf: {
    sha256: string;
    subject: string;
    issuer: string;
    notBefore: string;
    notAfter: string;
    /** e.g. "EC P-256", "RSA 2048" */
    keyType: string;
  } | null;
  /** sha256 of every certificate the server sent, in order */
  chain: string[];
  /** protocol versions that completed a handshake; null when not scanned */
  protocols: string[] | null;
  /** the verdict of the findings that hold on this address */
  verdict: Verdict;
  /** the handshake's error code when it failed (connection_refused, …), else null */
  error: string | null;
}

export interface Observation {
  id: string;
  subscriptionId: string;
  at: Date;
  verdict: Verdict;
  /** every finding code, sorted */
  codes: string[];
  /** the critical finding codes, sorted */
  critical: string[];
  endpoints: EndpointObservation[];
}

export type NewObservation = Omit<Observation, 'id'>;

export interface ObservationStore {
  record(obs: NewObservation): Promise<Observation>;
  /** the latest `n`, oldest first */
  recent(subscriptionId: string, n: number): Promise<Observation[]>;
  /** the latest per subscription (for /cert list, App Home, /metrics) */
  latest(subscriptionIds: string[]): Promise<Map<string, Observation>>;
}

/** What a reminder is about (persisted; extend, never rename). */
export type ReminderKind =
  /** a day threshold (or a lifetime fraction for short-lived certificates) was crossed */
  | 'threshold'
  /** the certificate still served has expired (at once, then at most daily) */
  | 'expired'
  /** past 2/3 of the lifetime and no newer certificate served */
  | 'stuck'
  /** every address serves a newer certificate, the old one absent two sweeps in a row */
  | 'renewed'
  /** some addresses serve a newer certificate, others still the old one */
  | 'partial_renewal'
  /** a check turned critical (finding codes, or unreachable two sweeps in a row) */
  | 'broken'
  /** what `broken` reported has cleared */
  | 'recovered';

/** The data a reminder message is rendered from (plain, stored with the reminder). */
export interface ReminderFacts {
  kind: ReminderKind;
  target: string;
  /** the certificate it is about (leaf sha256), when about one */
  fingerprint: string | null;
  notAfter?: string;
  /** whole days left (negative once expired) at decision time */
  daysLeft?: number;
  /** threshold: the most urgent crossed threshold, in days; with others crossed at once, all of them */
  thresholds?: number[];
  /** threshold: past 2/3 of the lifetime with no newer certificate served, said with the threshold */
  renewalStuck?: boolean;
  /** short-lived certificates: lifetime in days (thresholds are fractions of it) */
  lifetimeDays?: number;
  /** renewed / partial_renewal: the newer certificate */
  newFingerprint?: string;
  newNotAfter?: string;
  /** partial_renewal: addresses still serving the old certificate, out of `addressCount` */
  oldAddresses?: string[];
  addressCount?: number;
  /** broken / recovered: the finding codes ('unreachable' when no address answered) */
  codes?: string[];
}

/** A reminder the policy owes: `key` is unique per subscription, `covers` are keys it also settles. */
export interface OwedReminder {
  key: string;
  covers: string[];
  facts: ReminderFacts;
  /** critical reminders are broadcast to the channel as well as threaded */
  critical: boolean;
}

export type ReminderStatus = 'intended' | 'sent' | 'dropped';

export interface Reminder extends OwedReminder {
  id: string;
  subscriptionId: string;
  channel: string;
  status: ReminderStatus;
  /** posts started (incremented before each); > 0 while intended means "maybe posted": reconcile first */
  attempts: number;
  /** the thread it went (or goes) into; null = a new top-level message */
  threadTs: string | null;
  sentTs: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** A reminder already decided, as the policy needs it: its keys, kind and when. */
export interface LedgerEntry {
  key: string;
  covers: string[];
  kind: ReminderKind;
  createdAt: Date;
}

export interface ReminderStore {
  ledger(subscriptionId: string): Promise<LedgerEntry[]>;
  /** record intents (a key already present is skipped); returns the rows inserted */
  intend(subscriptionId: string, channel: string, owed: OwedReminder[], now: Date): Promise<Reminder[]>;
  /** intended reminders, oldest first */
  pending(): Promise<Reminder[]>;
  markAttempt(id: string): Promise<void>;
  markSent(id: string, ts: string, threadTs: string | null, now: Date): Promise<void>;
  /** give up on one (Slack refused the payload itself); never retried */
  markDropped(id: string): Promise<void>;
  /** the thread of a certificate's reminders in a subscription's channel */
  thread(subscriptionId: string, fingerprint: string): Promise<string | null>;
  setThread(subscriptionId: string, fingerprint: string, channel: string, ts: string): Promise<void>;
  /** sent reminders of a subscription, newest first (history, App Home) */
  sent(subscriptionId: string, limit: number): Promise<Reminder[]>;
}

/**
 * One named lease per database (the scheduler's). SQLite: a row with an expiry. PostgreSQL later: the
 * same row claimed with `SELECT … FOR UPDATE SKIP LOCKED` (README, Operations).
 */
export interface LeaseStore {
  /** take or renew the lease for `ttlMs`; true when `holder` holds it afterwards */
  acquire(name: string, holder: string, now: Date, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
  holder(name: string, now: Date): Promise<string | null>;
}

/** What the watch commands need (CommandContext.watch): the stores and the sweep settings. */
export interface WatchContext {
  subscriptions: SubscriptionStore;
  observations: ObservationStore;
  reminders: ReminderStore;
  sweepEveryMs: number;
  /** endpoints one channel may watch */
  cap: number;
  /** [0, 1), for the jitter of the first sweep */
  random: () => number;
}
