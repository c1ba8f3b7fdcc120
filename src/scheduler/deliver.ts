/**
 * Delivering reminders exactly once, across crashes and Slack faults.
 *
 * The protocol (every step is durable before the next starts):
 *   1. intent   the sweep inserts the reminder row as `intended` (UNIQUE (subscription, key): a
 *               reminder decided twice is inserted once).
 *   2. attempt  `attempts` is incremented before each post. attempts = 0 therefore proves "never posted".
 *   3. post     chat.postMessage carries message metadata {event_type: cert_doctor_reminder,
 *               event_payload: {reminder_id, key}}: the message itself says which row it delivers.
 *   4. sent     the row is marked `sent` with the Slack ts.
 * A crash between 2 and 4 (or a post whose answer was lost: a timeout, a 5xx after Slack stored it)
 * leaves an intended row with attempts > 0: "maybe posted". Before posting such a row again, the
 * channel's recent bot messages (conversations.history, or conversations.replies for a thread, with
 * include_all_metadata) are searched for its tag; when found, the row is completed with that ts and
 * nothing is posted. So every reminder reaches the channel once, whichever step the process died at.
 *
 * Faults are per channel: an archived channel or a removed bot pauses that channel's subscriptions
 * (resumed by the membership events) and withdraws its unposted reminders (ReminderStore.withdraw: the
 * first sweep after the resume decides afresh, so nothing stale is posted weeks later); 429 waits Retry-After and 5xx backs off exponentially, for that
 * channel only: channels are delivered concurrently and one channel's retry never holds up another's.
 */
import type { Logger } from '../log.js';
import type { Reminder, ReminderStore, SubscriptionStore } from '../store/types.js';
import { type ReminderSink, SinkError } from './sink.js';

/** Points of a delivery where the crash test kills the process. */
export type DeliveryStep = 'before_attempt' | 'before_post' | 'after_post' | 'after_sent';

export interface DeliverDeps {
  reminders: ReminderStore;
  subscriptions: SubscriptionStore;
  sink: ReminderSink;
  clock: () => Date;
  log: Logger;
  /** test hook: called at each step (the crash test exits the process there) */
  onStep?: (step: DeliveryStep, reminder: Reminder) => void | Promise<void>;
}

/** How far back a "maybe posted" reminder is searched for, before its intent was recorded. */
const FIND_SLACK_MS = 60_000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 5 * 60_000;

interface ChannelState {
  retryAt: number;
  failures: number;
}

export class Deliverer {
  readonly #d: DeliverDeps;
  readonly #channels = new Map<string, ChannelState>();

  constructor(deps: DeliverDeps) {
    this.#d = deps;
  }

  /** Deliver every intended reminder of every channel that is not paused or backing off. */
  async deliverPending(): Promise<{ sent: number }> {
    const pending = await this.#d.reminders.pending();
    const paused = new Set((await this.#d.subscriptions.pausedChannels()).map((p) => p.channel));
    const byChannel = new Map<string, Reminder[]>();
    for (const r of pending) {
      if (paused.has(r.channel)) continue;
      byChannel.set(r.channel, [...(byChannel.get(r.channel) ?? []), r]);
    }
    const now = this.#d.clock().getTime();
    const counts = await Promise.all(
      [...byChannel]
        .filter(([c]) => (this.#channels.get(c)?.retryAt ?? 0) <= now)
        .map(([c, rs]) => this.#channel(c, rs)),
    );
    return { sent: counts.reduce((a, b) => a + b, 0) };
  }

  /** When the earliest backing-off channel may be tried again (ms epoch), or null. */
  nextRetryAt(): number | null {
    const times = [...this.#channels.values()].map((s) => s.retryAt).filter((t) => t > 0);
    return times.length > 0 ? Math.min(...times) : null;
  }

  /** In order within a channel: a certificate's first reminder opens the thread the next ones reply in. */
  async #channel(channel: string, reminders: Reminder[]): Promise<number> {
    let sent = 0;
    for (const r of reminders) {
      try {
        await this.#one(r);
        sent++;
        this.#channels.delete(channel);
      } catch (err) {
        if (!(await this.#failed(channel, r, err))) return sent;
      }
    }
    return sent;
  }

  async #one(r: Reminder): Promise<void> {
    const { reminders, sink } = this.#d;
    const threadKey = r.facts.fingerprint ?? 'none';
    const threadTs = await reminders.thread(r.subscriptionId, threadKey);
    const tag = { reminderId: r.id, key: r.key };
    if (r.attempts > 0) {
      const since = new Date(r.createdAt.getTime() - FIND_SLACK_MS);
      const found = await sink.find(r.channel, threadTs, tag, since);
      if (found !== null) {
        this.#d.log.info({ reminder: r.id, ts: found }, 'reminder was already posted; recorded without reposting');
        await this.#record(r, found, threadTs);
        return;
      }
    }
    await this.#step('before_attempt', r);
    await reminders.markAttempt(r.id);
    await this.#step('before_post', r);
    const { ts } = await sink.post({
      channel: r.channel,
      threadTs,
      broadcast: threadTs !== null && r.critical,
      facts: r.facts,
      tag,
    });
    await this.#step('after_post', r);
    await this.#record(r, ts, threadTs);
    await this.#step('after_sent', r);
  }

  async #record(r: Reminder, ts: string, threadTs: string | null): Promise<void> {
    await this.#d.reminders.markSent(r.id, ts, threadTs, this.#d.clock());
    if (threadTs === null)
      await this.#d.reminders.setThread(r.subscriptionId, r.facts.fingerprint ?? 'none', r.channel, ts);
  }

  async #step(step: DeliveryStep, r: Reminder): Promise<void> {
    await this.#d.onStep?.(step, r);
  }

  /** Handles a failed delivery; true when the channel's next reminder may still be tried now. */
  async #failed(channel: string, r: Reminder, err: unknown): Promise<boolean> {
    const { log, clock } = this.#d;
    const e = err instanceof SinkError ? err : new SinkError('retry', String(err), null, { cause: err });
    const now = clock().getTime();
    if (e.kind === 'paused') {
      // Slack's refusal (is_archived, not_in_channel…) proves this one was not posted
      await this.#d.subscriptions.pauseChannel(channel, e.reason, clock());
      const withdrawn = await this.#d.reminders.withdraw(channel, [r.id]);
      log.warn({ channel, reason: e.reason, withdrawn }, 'channel paused: the bot cannot post there');
      return false;
    }
    if (e.kind === 'fatal') {
      await this.#d.reminders.markDropped(r.id);
      log.error({ channel, reminder: r.id, reason: e.reason }, 'reminder refused by Slack; dropped');
      return true;
    }
    const state = this.#channels.get(channel) ?? { retryAt: 0, failures: 0 };
    state.failures += 1;
    const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (state.failures - 1));
    state.retryAt = now + (e.kind === 'rate_limited' ? (e.retryAfterMs ?? backoff) : backoff);
    this.#channels.set(channel, state);
    log.warn({ channel, kind: e.kind, retryInMs: state.retryAt - now }, 'reminder delivery deferred');
    return false;
  }
}
