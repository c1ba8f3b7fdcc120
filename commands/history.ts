/** `/cert history TARGET`: when the leaf, chain, issuer, key type, protocol set or verdict changed, per address. */
import type { CommandContext, CommandHelp } from '../src/chat/port.js';
import { errorNotice } from '../src/chat/views.js';
import { historyChanges } from '../src/scheduler/views.js';
import { parseForWatch } from './watch.js';

export const definition: CommandHelp = {
  name: 'history',
  usage: '/cert history TARGET',
  summary:
    'What changed between the checks of a watched endpoint (certificate, chain, issuer, key, protocols, verdict).',
  examples: ['/cert history example.com'],
};

/** Observations read back for the history (about two months at the default 6 h). */
const HISTORY_LIMIT = 240;

export async function runHistory(ctx: CommandContext, args: string): Promise<void> {
  if (args.trim() === '') {
    await ctx.port.ephemeral(errorNotice('bad_input', `Which endpoint? Usage: ${definition.usage}`));
    return;
  }
  const parsed = await parseForWatch(ctx, args.trim());
  if (!parsed) return;
  const sub = await parsed.w.subscriptions.find(ctx.channelId, parsed.key);
  if (!sub) {
    await ctx.port.ephemeral(errorNotice('not_watched', `This channel does not watch ${JSON.stringify(args.trim())}.`));
    return;
  }
  const observations = await parsed.w.observations.recent(sub.id, HISTORY_LIMIT);
  await ctx.port.ephemeral({ kind: 'watch_history', target: sub.target, changes: historyChanges(observations) });
}
