/**
 * Every store interface: incidents, checks in flight, Slack event ids, and watched endpoints (issue 8).
 * They return promises so a PostgreSQL implementation can replace the SQLite one (src/store/*.ts) for
 * multi-replica use without touching callers. Plain data in and out; ids are strings.
 *
 * Stability: a contract shared by commands/, src/scheduler/ and the transports. Change it additively.
 * src/chat/port.ts re-exports the chat-side ones under their old names.
 */
import type { Diagnosis, Verdict } from '../rules/types.js';

export type IncidentStatus = 'open' | 'resolved';

/** An incident: one diagnosis parent message and its thread. */
export interface Incident {
  id: string;
  /** the parent message */
  channel: string;
  ts: string;
  /** what the user typed as target (re-checks parse it again) */
  target: string;
  requestedBy: string;
  status: IncidentStatus;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** the diagnosis of the latest check or re-check */
  lastDiagnosis: Diagnosis;
}

export interface NewIncident {
  channel: string;
  ts: string;
  target: string;
  requestedBy: string;
  diagnosis: Diagnosis;
  now: Date;
}

/** Persistence of incidents (src/store/incidents.ts). */
export interface IncidentStore {
  create(input: NewIncident): Promise<Incident>;
  get(id: string): Promise<Incident | null>;
  /** the incident whose parent message is (channel, ts): a thread's `thread_ts` finds its incident */
  getByMessage(channel: string, ts: string): Promise<Incident | null>;
  /** record a new diagnosis; `status: 'open'` re-opens a resolved incident (clears resolvedBy/At) */
  update(id: string, patch: { diagnosis: Diagnosis; status?: IncidentStatus; now: Date }): Promise<Incident>;
  resolve(id: string, by: string, at: Date): Promise<Incident>;
  /**
   * The highest all-digit message ref used in `channel` by an incident or a check in flight (0 when none):
   * the shell numbers its messages from there, so refs stay unique across runs on one database.
   */
  lastNumericTs(channel: string): Promise<number>;
}

/** A "Checking…" message in flight (src/store/pending.ts). */
export interface PendingCheck {
  channel: string;
  ts: string;
  /** what the user typed */
  target: string;
  requestedBy: string;
  /** ISO time the message was posted */
  startedAt: string;
}

/**
 * "Checking…" messages in flight, kept across a crash: at start the transport marks every one left behind
 * failed in place, so no message says "Checking…" forever. `add` has resolved (the row is durable) before
 * the check it records goes on.
 */
export interface PendingCheckStore {
  add(check: PendingCheck): Promise<void>;
  remove(ref: { channel: string; ts: string }): Promise<void>;
  /** every row, oldest first */
  list(): Promise<PendingCheck[]>;
}

/** Slack event ids already processed (src/store/events.ts), so retried deliveries never double-post. */
export interface EventDedup {
  /**
   * true when `eventId` was seen within the TTL; otherwise records it and resolves false. The check and
   * the insert are one atomic step (one statement), so two concurrent deliveries never both get false.
   */
  seen(eventId: string, now?: Date): Promise<boolean>;
}

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
  /**
   * subscriptions of unpaused channels with nextCheckAt ≤ now, earliest first (by nextCheckAt, then id), at
   * most `limit`; with `after`, only those ordered after that one (the next page of a sweep)
   */
  due(now: Date, limit: number, after?: { nextCheckAt: Date; id: string }): Promise<Subscription[]>;
  scheduleNext(id: string, checkedAt: Date, nextCheckAt: Date): Promise<void>;
  /** pause every subscription of a channel (records the first reason); true when it was not paused */
  pauseChannel(channel: string, reason: string, now: Date): Promise<boolean>;
  /**
   * true when it was paused. Its subscriptions become due at `now`: nothing was checked while paused, and
   * what the channel hears next is decided from what is served now (reminders withdrawn at the pause).
   */
  resumeChannel(channel: string, now: Date): Promise<boolean>;
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
  /** codes of the findings that hold on this address (absent in observations stored before they were kept) */
  codes?: string[];
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

/** A ledger row as stored: what deciding when it may be forgotten needs (src/scheduler/prune.ts). */
export interface StoredLedgerEntry extends LedgerEntry {
  id: string;
  status: Reminder['status'];
  /** the certificate the reminder is about (for renewals: the old one) */
  fingerprint: string | null;
  /** that certificate's notAfter, ISO */
  notAfter: string | null;
}

/** What a subscription's ledger may forget (src/scheduler/prune.ts): rows by id, threads by fingerprint. */
export interface Forgettable {
  ids: string[];
  fingerprints: string[];
}

export type ForgetDecided = (history: Observation[], ledger: StoredLedgerEntry[], now: Date) => Forgettable;

/** The observation to store, from the one before it and the check's (src/scheduler/carry.ts). */
export type CarryForward = (previous: Observation | undefined, observation: NewObservation) => NewObservation;

/** What a sweep batch decides with (src/scheduler/sweep.ts gives the policy's pure functions). */
export interface SweepPolicy {
  /** how many of the latest observations `decide` and `forget` see */
  history: number;
  decide: DecideOwed;
  forget?: ForgetDecided;
  carry?: CarryForward;
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
  /**
   * A channel paused: forget its intended reminders that were never posted (attempts = 0, or listed in
   * `notPosted`: refused by Slack, which proves it). They were decided from what was served before the
   * pause; delivered at the resume, days or weeks later, they would be stale ("expires in 7 days" about a
   * certificate renewed since). Their keys are free again, so the first sweep after the resume decides
   * afresh. Returns how many were withdrawn.
   */
  withdraw(channel: string, notPosted: string[]): Promise<number>;
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

/** One swept subscription: what its check saw and when it is next due. */
export interface SweepOutcome {
  subscription: Subscription;
  /** null when the check itself failed (our bug): only the next check is scheduled */
  observation: NewObservation | null;
  checkedAt: Date;
  nextCheckAt: Date;
}

/**
 * The reminders owed, from the latest observations (oldest first, the new one last), the ledger and the
 * time of the check. Pure; never throws (a failure owes nothing).
 */
export type DecideOwed = (
  subscription: Subscription,
  history: Observation[],
  ledger: LedgerEntry[],
  now: Date,
) => OwedReminder[];

/**
 * A sweep's writes, a batch at a time (src/store/sweep-batch.ts): one transaction (one commit, one fsync)
 * per batch instead of three per checked endpoint.
 */
export interface SweepStore {
  /**
   * In one transaction, per outcome: the observation (as `carry` makes it from the one before), the intents
   * `decide` owes from the latest `history` observations and the ledger, the ledger rows `forget` says no later
   * decision can need, and the next check time. Resolves with the number of intents recorded.
   */
  commit(outcomes: SweepOutcome[], policy: SweepPolicy): Promise<number>;
}

/** What the watch commands need (CommandContext.watch): the stores and the sweep settings. */
export interface WatchContext {
  subscriptions: SubscriptionStore;
  observations: ObservationStore;
  reminders: ReminderStore;
  /** the scheduler's batched writes */
  sweeps: SweepStore;
  sweepEveryMs: number;
  /** endpoints one channel may watch */
  cap: number;
  /** [0, 1), for the jitter of the first sweep */
  random: () => number;
}
