/** `/cert unwatch TARGET`: the channel stops watching an endpoint (its observations and reminders go with it). */
import type { CommandContext, CommandHelp } from '../src/chat/port.js';
import { errorNotice } from '../src/chat/views.js';
import { parseForWatch } from './watch.js';

export const definition: CommandHelp = {
  name: 'unwatch',
  usage: '/cert unwatch TARGET',
  summary: 'Stop watching an endpoint from this channel.',
  examples: ['/cert unwatch example.com'],
};

export async function runUnwatch(ctx: CommandContext, args: string): Promise<void> {
  if (args.trim() === '') {
    await ctx.port.ephemeral(errorNotice('bad_input', `Which endpoint? Usage: ${definition.usage}`));
    return;
  }
  const parsed = await parseForWatch(ctx, args.trim());
  if (!parsed) return;
  if (await parsed.w.subscriptions.remove(ctx.channelId, parsed.key)) {
    await ctx.port.post({ kind: 'notice', level: 'info', code: 'info', text: `Stopped watching ${parsed.key}.` });
  } else {
    await ctx.port.ephemeral(
      errorNotice(
        'not_watched',
        `This channel does not watch ${JSON.stringify(args.trim())}; /cert list shows what it does.`,
      ),
    );
  }
}
