/** Terminal lines for reminders and watched endpoints (the shell bot). Kinds appear verbatim: `[threshold]`. */
import type { ChatMessage } from '../chat/port.js';
import { addressPhrase, expiryPhrase, historyPhrase, reminderWords, rowStatus } from './watch-format.js';

type WatchMessage = Extract<ChatMessage, { kind: 'reminder' | 'watch_list' | 'watch_history' }>;

export function watchLines(msg: WatchMessage): string[] {
  switch (msg.kind) {
    case 'reminder': {
      const w = reminderWords(msg.facts);
      return [`reminder [${msg.facts.kind}] ${w.headline}`, ...w.lines.map((l) => `  ${l}`)];
    }
    case 'watch_list': {
      const now = new Date(msg.now);
      const rows = msg.rows.flatMap((r) => [
        `• ${r.target} — ${expiryPhrase(r, now)} — ${rowStatus(r)}`,
        ...r.addresses.map((a) => `    ${addressPhrase(a, now)}`),
      ]);
      return [msg.title, ...(rows.length > 0 ? rows : ['Nothing watched here yet: watch example.com'])];
    }
    case 'watch_history':
      return [
        `History of ${msg.target}`,
        ...(msg.changes.length > 0 ? msg.changes.map(historyPhrase) : ['No check has been recorded yet.']),
      ];
  }
}
