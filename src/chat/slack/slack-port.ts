/**
 * The Conversation port over Slack's Web API, bound to one invocation (a slash command, a button click
 * or an app mention). View-models are rendered by src/render/blocks.ts; overflow pages go in the thread.
 * Slack's failure modes are handled here (notes/slack-platform.md §5.3):
 * - `not_in_channel` / `channel_not_found`: answer through the invocation's response_url, ephemerally,
 *   with a note on how to invite the bot; later updates of that answer replace it in place.
 * - `invalid_blocks` & co.: never expected (the renderer enforces the limits); retried once as text only.
 * - 429 / 5xx: retried by the WebClient (its retryConfig, Retry-After honoured), see app.ts.
 */
import { randomUUID } from 'node:crypto';
import type { RespondArguments, RespondFn, types, webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { renderSlack, type SlackMessage, splitForThread } from '../../render/blocks.js';
import { esc } from '../../render/blocks-kit.js';
import type { ChatMessage, ConversationPort, MessageRef, UploadFile } from '../port.js';

type WebClient = webApi.WebClient;
type Blocks = types.KnownBlock[];

export interface SlackInvocation {
  client: WebClient;
  channel: string;
  user: string;
  /** Bolt's respond() for this invocation's response_url (commands and actions; not events) */
  respond?: RespondFn;
  /** when the invocation came from inside a thread, ephemeral answers stay in it */
  threadTs?: string;
  log: Logger;
}

/** Slack errors meaning "the bot cannot post here": fall back to the response_url (notes §5.3). */
const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found']);
/** Slack errors meaning "our payload is wrong": never retry the same payload (notes §5.3). */
const BAD_PAYLOAD = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_blocks_too_long', 'msg_too_long']);
/** chat.update errors meaning "that message is gone or not ours": post a new one instead. */
const GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

/** Refs of answers that went through a response_url carry no Slack ts; this prefix marks them. */
export const EPHEMERAL_TS_PREFIX = 'ephemeral-';

/** A response_url takes at most 5 posts (within 30 minutes of the invocation); the sixth gets a 404. */
export const RESPONSE_URL_POSTS = 5;

const INVITE_HINT = 'Invite me with `/invite @cert-doctor` to post diagnoses for everyone.';
export const INVITE_NOTE = `I am not a member of this channel, so only you can see this. ${INVITE_HINT}`;

/** The Slack error code of a Web API platform error (`ok: false`), or undefined. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  return e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
}

/** text + blocks; a text-only message sends no `blocks` at all (an empty array is not "no blocks" everywhere). */
const body = (m: SlackMessage): { text: string; blocks?: Blocks } =>
  m.blocks.length ? { text: m.text, blocks: m.blocks as Blocks } : { text: m.text };

const isEphemeralRef = (ref: MessageRef) => ref.ts.startsWith(EPHEMERAL_TS_PREFIX);

export class SlackConversation implements ConversationPort {
  #responsePosts = 0;

  constructor(private readonly inv: SlackInvocation) {}

  async post(msg: ChatMessage): Promise<MessageRef> {
    const { head, rest } = splitForThread(renderSlack(msg));
    let ref: MessageRef;
    try {
      ref = await this.postMessage(this.inv.channel, head);
    } catch (err) {
      if (!CANNOT_POST.has(slackErrorCode(err) ?? '') || !this.inv.respond) throw err;
      return this.fallbackPost(head, rest, slackErrorCode(err)!);
    }
    await this.replyPages(ref, rest);
    return ref;
  }

  async update(ref: MessageRef, msg: ChatMessage): Promise<void> {
    if (isEphemeralRef(ref)) {
      // response_url allows 5 posts per invocation: progress steps are not worth one.
      if (msg.kind !== 'progress') await this.respondPages(renderSlack(msg), true);
      return;
    }
    const { head, rest } = splitForThread(renderSlack(msg));
    try {
      await this.withTextOnlyRetry('chat.update', head, (m) =>
        this.inv.client.chat.update({ channel: ref.channel, ts: ref.ts, ...body(m) }),
      );
    } catch (err) {
      if (!GONE.has(slackErrorCode(err) ?? '')) throw err;
      this.inv.log.warn({ err: slackErrorCode(err), channel: ref.channel }, 'message to update is gone; posting anew');
      await this.postMessage(ref.channel, head);
    }
    await this.replyPages(ref, rest);
  }

  async reply(parent: MessageRef, msg: ChatMessage): Promise<MessageRef> {
    const pages = renderSlack(msg);
    if (isEphemeralRef(parent)) {
      await this.respondPages(pages, false);
      return parent;
    }
    try {
      const [first, ...rest] = pages;
      const ref = await this.postMessage(parent.channel, first, parent.ts);
      await this.replyPages(parent, rest);
      return ref;
    } catch (err) {
      if (!CANNOT_POST.has(slackErrorCode(err) ?? '') || !this.inv.respond) throw err;
      return this.fallbackPost(pages[0], pages.slice(1), slackErrorCode(err)!);
    }
  }

  async ephemeral(msg: ChatMessage): Promise<void> {
    const pages = renderSlack(msg);
    if (this.inv.respond) {
      await this.respondPages(pages, false);
      return;
    }
    for (const page of pages) {
      await this.withTextOnlyRetry('chat.postEphemeral', page, (m) =>
        this.inv.client.chat.postEphemeral({
          channel: this.inv.channel,
          user: this.inv.user,
          ...body(m),
          ...(this.inv.threadTs ? { thread_ts: this.inv.threadTs } : {}),
        }),
      );
    }
  }

  /** files.uploadV2 (getUploadURLExternal, the upload, completeUploadExternal) into the thread; none via response_url. */
  async uploadFile(parent: MessageRef, file: UploadFile): Promise<string | null> {
    if (isEphemeralRef(parent)) return null;
    const res = await this.inv.client.filesUploadV2({
      channel_id: parent.channel,
      thread_ts: parent.ts,
      filename: file.filename,
      title: file.title,
      file: Buffer.from(file.content, 'utf8'),
      initial_comment: esc(file.comment),
    });
    const done = (res as { files?: { files?: { id?: string }[] }[] }).files?.[0]?.files?.[0];
    return done?.id ?? null;
  }

  private async postMessage(channel: string, page: SlackMessage, threadTs?: string): Promise<MessageRef> {
    const res = await this.withTextOnlyRetry('chat.postMessage', page, (m) =>
      this.inv.client.chat.postMessage({
        channel,
        ...body(m),
        unfurl_links: false,
        unfurl_media: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
    return { channel: res.channel ?? channel, ts: String(res.ts) };
  }

  private async replyPages(parent: MessageRef, pages: SlackMessage[]): Promise<void> {
    for (const page of pages) await this.postMessage(parent.channel, page, parent.ts);
  }

  /** The bot cannot post here: answer the requester through the response_url, with the invite note. */
  private async fallbackPost(head: SlackMessage, rest: SlackMessage[], code: string): Promise<MessageRef> {
    this.inv.log.warn({ channel: this.inv.channel, err: code }, 'cannot post in channel; answering via response_url');
    const [note] = renderSlack({ kind: 'notice', level: 'info', code: 'not_in_channel', text: INVITE_NOTE });
    const withNote: SlackMessage =
      head.blocks.length < 50 ? { text: head.text, blocks: [...note.blocks, ...head.blocks] } : head;
    await this.respondPages(withNote === head ? [note, head, ...rest] : [withNote, ...rest], false);
    return { channel: this.inv.channel, ts: `${EPHEMERAL_TS_PREFIX}${randomUUID()}` };
  }

  /**
   * Posts pages through the response_url within its budget of 5: when they do not fit, the last post left says
   * how many pages were held back and where to see the whole answer.
   */
  private async respondPages(pages: SlackMessage[], replaceFirst: boolean): Promise<void> {
    const respond = this.inv.respond;
    if (!respond) throw new Error('no response_url for this invocation');
    const left = RESPONSE_URL_POSTS - this.#responsePosts;
    const fits = pages.length <= left;
    const sent = fits ? pages : [...pages.slice(0, Math.max(0, left - 1)), ...(left > 0 ? [this.heldBack()] : [])];
    if (!fits) {
      this.inv.log.warn({ pages: pages.length, left }, 'response_url budget spent; later pages held back');
    }
    for (const [i, page] of sent.entries()) {
      const args: RespondArguments = {
        response_type: 'ephemeral',
        replace_original: replaceFirst && i === 0,
        ...body(page),
      };
      this.#responsePosts++;
      await respond(args);
    }
  }

  private heldBack(): SlackMessage {
    const [note] = renderSlack({
      kind: 'notice',
      level: 'info',
      code: 'answer_truncated',
      text: `Slack lets me answer here privately only ${RESPONSE_URL_POSTS} times, so the rest of this answer is held back. ${INVITE_HINT}`,
    });
    return note;
  }

  /** Runs `send`; on a bad-payload error logs it and retries once with the fallback text alone. */
  private async withTextOnlyRetry<T>(method: string, page: SlackMessage, send: (m: SlackMessage) => Promise<T>) {
    try {
      return await send(page);
    } catch (err) {
      const code = slackErrorCode(err);
      if (!code || !BAD_PAYLOAD.has(code)) throw err;
      const messages = (err as { data?: { response_metadata?: { messages?: string[] } } }).data?.response_metadata;
      this.inv.log.error(
        { method, err: code, messages, blocks: page.blocks.length },
        'Slack rejected our blocks; text only',
      );
      return send({ text: page.text.slice(0, 3000), blocks: [] });
    }
  }
}
