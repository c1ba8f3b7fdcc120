/**
 * Block Kit building blocks with Slack's limits enforced at construction, plus pagination so a long
 * view-model becomes several messages instead of an `invalid_blocks` / `msg_blocks_too_long`.
 * Limits: @slack/types 3.2 block-kit JSDoc; the aggregate size from bolt-js #2509 (~13.2k chars rejected),
 * budgeted at 12,000 JSON chars (notes/slack-platform.md §4.1).
 */

export const LIMITS = {
  blocksPerMessage: 50,
  /** JSON.stringify(blocks).length budget per message; Slack rejects around 13.2k */
  blocksJsonBudget: 12_000,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  blockId: 255,
  /** chat.update rejects a longer `text` with msg_too_long */
  fallbackText: 4000,
} as const;

export const MORE_IN_THREAD = '…more in thread';

export interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export interface Button {
  type: 'button';
  action_id: string;
  text: TextObject;
  value: string;
  style?: 'primary' | 'danger';
}

export type Block =
  | { type: 'header'; block_id?: string; text: TextObject }
  | { type: 'section'; block_id?: string; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; block_id?: string; elements: TextObject[] }
  | { type: 'divider'; block_id?: string }
  | { type: 'actions'; block_id?: string; elements: Button[] };

/** What chat.postMessage / chat.update get. `text` is the notification / screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/**
 * Slack's three control characters (`&`, `<`, `>`) as entities, so a certificate CN of `<!channel>` is
 * shown literally and never pings; everything from a certificate, a server or a user goes through this.
 */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(BIDI_AND_CONTROLS, '\uFFFD');
}

/** C0/C1 controls (but tab/newline) and bidi overrides: a CN could otherwise reorder the text around it. */
const BIDI_AND_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A user mention for a Slack user id; anything that is not an id is shown escaped, never as markup. */
export function mention(userId: string): string {
  return /^[UW][A-Z0-9]{1,20}$/.test(userId) ? `<@${userId}>` : esc(userId);
}

/**
 * Shortens already-escaped text to `max` chars, ending in `…`. Never leaves half an entity (`&am`),
 * half a `<…>` mention, or half a surrogate pair.
 */
export function clip(s: string, max: number, marker = '…'): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - marker.length));
  cut = cut.replace(/&[a-z]{0,4}$/, '').replace(/<[^>]*$/, '');
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + marker;
}

export const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });
export const plain = (text: string): TextObject => ({ type: 'plain_text', text, emoji: true });

/** Block ids carry finding codes for machines; clipped to Slack's 255 chars. */
export function blockId(id: string): string {
  return id.slice(0, LIMITS.blockId);
}

export function header(text: string, id?: string): Block {
  return { type: 'header', ...(id ? { block_id: blockId(id) } : {}), text: plain(clip(text, LIMITS.headerText)) };
}

/** A mrkdwn section; empty text becomes a single space-free placeholder (Slack rejects empty text). */
export function section(text: string, id?: string): Block {
  const body = text.trim() ? clip(text, LIMITS.sectionText) : '—';
  return { type: 'section', ...(id ? { block_id: blockId(id) } : {}), text: mrkdwn(body) };
}

export function fields(items: string[], id?: string): Block {
  const list = items
    .filter((f) => f.trim())
    .slice(0, LIMITS.sectionFields)
    .map((f) => mrkdwn(clip(f, LIMITS.fieldText)));
  return { type: 'section', ...(id ? { block_id: blockId(id) } : {}), fields: list.length ? list : [mrkdwn('—')] };
}

export function context(items: string[], id?: string): Block {
  const elements = items
    .filter((i) => i.trim())
    .slice(0, LIMITS.contextElements)
    .map((i) => mrkdwn(clip(i, LIMITS.sectionText)));
  return {
    type: 'context',
    ...(id ? { block_id: blockId(id) } : {}),
    elements: elements.length ? elements : [mrkdwn('—')],
  };
}

export function button(actionId: string, label: string, value: string, style?: Button['style']): Button {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(clip(esc(label), LIMITS.buttonText)),
    value: value.slice(0, LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}

export function actions(buttons: Button[], id = 'actions'): Block {
  return { type: 'actions', block_id: blockId(id), elements: buttons.slice(0, 25) };
}

/** The fallback text, within chat.update's 4,000 chars. The caller passes escaped text. */
export function fallback(text: string): string {
  return clip(text.replace(/\s+/g, ' ').trim() || 'cert-doctor', LIMITS.fallbackText);
}

const size = (blocks: Block[]): number => JSON.stringify(blocks).length;

/** The marker block a truncated page ends with; the caller posts the remaining pages to the thread. */
const moreBlock = (): Block => context([`_${MORE_IN_THREAD}_`], 'more');

/**
 * Splits blocks into pages that each fit one message (≤ 50 blocks, ≤ the JSON budget, room kept for
 * the "…more in thread" marker on every page but the last). A single block is never split: the
 * builders above already keep each one far below the budget.
 */
export function paginate(blocks: Block[], text: string): SlackMessage[] {
  const reserve = size([moreBlock()]) + 1;
  const pages: Block[][] = [[]];
  for (const block of blocks) {
    const page = pages[pages.length - 1];
    const full =
      page.length + 1 > LIMITS.blocksPerMessage - 1 || size([...page, block]) > LIMITS.blocksJsonBudget - reserve;
    if (full && page.length > 0) pages.push([block]);
    else page.push(block);
  }
  return pages.map((page, i) => {
    const last = i === pages.length - 1;
    const pageText = i === 0 ? text : `${text} (continued ${i + 1}/${pages.length})`;
    return { text: fallback(pageText), blocks: last ? page : [...page, moreBlock()] };
  });
}

/** The message itself and the continuation pages its poster puts in the thread. */
export function splitForThread(pages: SlackMessage[]): { head: SlackMessage; rest: SlackMessage[] } {
  const [head, ...rest] = pages;
  return { head: head ?? { text: 'cert-doctor', blocks: [] }, rest };
}
