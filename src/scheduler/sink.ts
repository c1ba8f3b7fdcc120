/**
 * Where reminders go: Slack (src/chat/slack/reminder-sink.ts) or the terminal (src/chat/shell/). The
 * scheduler only needs to post a tagged message and to find a tagged message again (exactly once).
 */
import type { ReminderFacts } from '../store/types.js';

export interface ReminderPost {
  channel: string;
  /** reply in this thread; null = a new top-level message (which becomes the certificate's thread) */
  threadTs: string | null;
  /** a threaded reply also shown in the channel (critical reminders) */
  broadcast: boolean;
  facts: ReminderFacts;
  /** the tag carried in the message metadata, matched by `find` */
  tag: ReminderTag;
}

/** Identifies one reminder row across processes: its id and key in the database that decided it. */
export interface ReminderTag {
  reminderId: string;
  key: string;
}

/** Message metadata event type of reminders (Slack: `metadata.event_type`). */
export const REMINDER_EVENT_TYPE = 'cert_doctor_reminder';

export interface ReminderSink {
  /** rejects with a SinkError */
  post(p: ReminderPost): Promise<{ ts: string }>;
  /** the ts of a message tagged `tag` in the channel (or thread) posted at or after `since`, or null */
  find(channel: string, threadTs: string | null, tag: ReminderTag, since: Date): Promise<string | null>;
}

export type SinkFailure =
  /** the bot cannot post in the channel (archived, removed): pause it until the bot is back */
  | 'paused'
  /** 429: wait `retryAfterMs`, this channel only */
  | 'rate_limited'
  /** 5xx or network: retry later with backoff, this channel only */
  | 'retry'
  /** the message itself is refused: drop it (logged), never retry the same payload */
  | 'fatal';

export class SinkError extends Error {
  readonly code = 'sink_failed';
  constructor(
    readonly kind: SinkFailure,
    readonly reason: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(`reminder post failed (${kind}): ${reason}`, options);
    this.name = 'SinkError';
  }
}
