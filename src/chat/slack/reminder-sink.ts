/**
 * Reminders into Slack. Its own WebClient: no automatic retries and 429s rejected instead of waited
 * out, because the WebClient pauses its whole queue on a 429, which would hold every other channel's
 * reminders (and the request path) behind one channel's limit. The scheduler's Deliverer retries per
 * channel instead (src/scheduler/deliver.ts).
 *
 * Each message carries metadata {event_type: cert_doctor_reminder, event_payload: {reminder_id, key}}
 * (https://api.slack.com/metadata/using), which `find` looks for in the channel's recent messages
 * (conversations.history / conversations.replies with include_all_metadata) to tell whether a post
 * whose outcome was lost reached Slack.
 */
import { type types, webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import { renderSlack } from '../../render/blocks.js';
import {
  REMINDER_EVENT_TYPE,
  type ReminderPost,
  type ReminderSink,
  type ReminderTag,
  SinkError,
} from '../../scheduler/sink.js';

/** Slack errors that mean the bot cannot post in the channel until it is invited back or the channel unarchived. */
export const PAUSING_ERRORS = new Set([
  'is_archived',
  'channel_is_archived',
  'not_in_channel',
  'channel_not_found',
  'account_inactive',
]);

/** Messages scanned per page / pages at most, when looking for a reminder's tag. */
const PAGE = 200;
const MAX_PAGES = 5;

export function reminderClient(config: Config): webApi.WebClient {
  return new webApi.WebClient(config.slack.botToken ?? undefined, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

export class SlackReminderSink implements ReminderSink {
  constructor(private readonly client: webApi.WebClient) {}

  async post(p: ReminderPost): Promise<{ ts: string }> {
    const [page] = renderSlack({ kind: 'reminder', facts: p.facts });
    try {
      const res = await this.client.chat.postMessage({
        channel: p.channel,
        text: page!.text,
        blocks: page!.blocks as types.KnownBlock[],
        unfurl_links: false,
        unfurl_media: false,
        ...(p.threadTs ? { thread_ts: p.threadTs, reply_broadcast: p.broadcast } : {}),
        metadata: {
          event_type: REMINDER_EVENT_TYPE,
          event_payload: { reminder_id: p.tag.reminderId, key: p.tag.key },
        },
      } as webApi.ChatPostMessageArguments);
      return { ts: String(res.ts) };
    } catch (err) {
      throw sinkError(err);
    }
  }

  async find(channel: string, threadTs: string | null, tag: ReminderTag, since: Date): Promise<string | null> {
    const oldest = (since.getTime() / 1000).toFixed(6);
    let cursor: string | undefined;
    try {
      for (let i = 0; i < MAX_PAGES; i++) {
        const args = { channel, oldest, limit: PAGE, include_all_metadata: true, ...(cursor ? { cursor } : {}) };
        const res = threadTs
          ? await this.client.conversations.replies({ ...args, ts: threadTs })
          : await this.client.conversations.history(args);
        const hit = (res.messages ?? []).find((m) => matches(m as { metadata?: unknown }, tag));
        if (hit?.ts) return hit.ts;
        cursor = res.response_metadata?.next_cursor || undefined;
        if (!res.has_more || !cursor) return null;
      }
      return null;
    } catch (err) {
      throw sinkError(err);
    }
  }
}

function matches(m: { metadata?: unknown }, tag: ReminderTag): boolean {
  const meta = m.metadata as { event_type?: unknown; event_payload?: Record<string, unknown> } | undefined;
  return (
    meta?.event_type === REMINDER_EVENT_TYPE &&
    String(meta.event_payload?.reminder_id) === tag.reminderId &&
    meta.event_payload?.key === tag.key
  );
}

/** Slack's failure → what the deliverer does about it. */
export function sinkError(err: unknown): SinkError {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
  if (e?.code === 'slack_webapi_rate_limited_error') {
    return new SinkError('rate_limited', 'ratelimited', (e.retryAfter ?? 1) * 1000, { cause: err });
  }
  if (e?.code === 'slack_webapi_platform_error') {
    const code = e.data?.error ?? 'unknown_error';
    if (PAUSING_ERRORS.has(code)) return new SinkError('paused', code, null, { cause: err });
    if (code === 'ratelimited') return new SinkError('rate_limited', code, 1000, { cause: err });
    if (code === 'internal_error' || code === 'fatal_error' || code === 'service_unavailable') {
      return new SinkError('retry', code, null, { cause: err });
    }
    return new SinkError('fatal', code, null, { cause: err });
  }
  // HTTP 5xx, timeouts, connection errors: the outcome is unknown, so retry (the tag makes it safe)
  return new SinkError('retry', e?.code ?? String(err), null, { cause: err });
}
