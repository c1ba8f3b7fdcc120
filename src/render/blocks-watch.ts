/** Block Kit for reminders and watched endpoints. Text from certificates and users is escaped here. */
import type { ChatMessage, WatchRow } from '../chat/port.js';
import { type Block, context, esc, section } from './blocks-kit.js';
import { addressPhrase, expiryPhrase, historyPhrase, reminderWords, rowStatus } from './watch-format.js';

type Of<K extends ChatMessage['kind']> = Extract<ChatMessage, { kind: K }>;

export function reminderBlocks(msg: Of<'reminder'>): Block[] {
  const w = reminderWords(msg.facts);
  const blocks = [section(`*${esc(w.headline)}*`, `reminder:${msg.facts.kind}`)];
  if (w.lines.length > 0) blocks.push(context(w.lines.map(esc).slice(0, 10)));
  return blocks;
}

/** At most 40 rows in one message (Block Kit's 50 blocks); the rest are counted. */
export function watchListBlocks(msg: Of<'watch_list'>): Block[] {
  const now = new Date(msg.now);
  const blocks: Block[] = [section(`*${esc(msg.title)}*`, 'watch_list')];
  for (const [i, row] of msg.rows.slice(0, 40).entries()) {
    const addresses = row.addresses.map((a) => `• ${esc(addressPhrase(a, now))}`);
    const checked = row.lastCheckedAt ? `last checked ${row.lastCheckedAt.slice(0, 16).replace('T', ' ')} UTC` : '';
    blocks.push(
      section(
        [`*${esc(row.target)}* — ${esc(expiryPhrase(row, now))} — ${esc(rowStatus(row))}`, ...addresses, checked]
          .filter(Boolean)
          .join('\n')
          .slice(0, 2900),
        `watch:${i}`,
      ),
    );
  }
  if (msg.rows.length > 40) blocks.push(context([`…and ${msg.rows.length - 40} more`]));
  if (msg.rows.length === 0) blocks.push(context(['Nothing watched here yet: `/cert watch example.com`']));
  return blocks;
}

export function watchHistoryBlocks(msg: Of<'watch_history'>): Block[] {
  const lines = msg.changes.slice(-40).map((c) => esc(historyPhrase(c)));
  const body = lines.length > 0 ? lines.join('\n') : 'No check has been recorded yet.';
  return [section(`*History of ${esc(msg.target)}*`, 'watch_history'), section(body.slice(-2900))];
}

/** App Home: the user's watched endpoints across channels (a home view holds up to 100 blocks). */
export function homeBlocks(rows: WatchRow[], now: Date): Block[] {
  const title = rows.length > 0 ? `Endpoints you watch (${rows.length})` : 'Endpoints you watch';
  const blocks = watchListBlocks({ kind: 'watch_list', title, rows, now: now.toISOString() });
  return blocks.map((b, i) =>
    i > 0 && i <= rows.length && b.type === 'section' && 'text' in b && b.text
      ? { ...b, text: { ...b.text, text: `${b.text.text}\nin <#${rows[i - 1]!.channel}>`.slice(0, 3000) } }
      : b,
  );
}
