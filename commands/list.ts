/** `/cert list`: this channel's watched endpoints, most urgent first (next expiry per address, status, paused reason, last check). */
import type { CommandContext, CommandHelp } from '../src/chat/port.js';
import { errorNotice } from '../src/chat/views.js';
import { byUrgency, watchRow } from '../src/scheduler/views.js';

export const definition: CommandHelp = {
  name: 'list',
  usage: '/cert list',
  summary: "This channel's watched endpoints, most urgent first.",
  examples: ['/cert list'],
};

export async function runList(ctx: CommandContext): Promise<void> {
  if (!ctx.watch) {
    await ctx.port.ephemeral(errorNotice('watch_unavailable', 'Watching endpoints is not available here.'));
    return;
  }
  const subs = await ctx.watch.subscriptions.byChannel(ctx.channelId);
  const latest = await ctx.watch.observations.latest(subs.map((s) => s.id));
  const rows = subs.map((s) => watchRow(s, latest.get(s.id))).sort(byUrgency);
  const title = `${rows.length} endpoint${rows.length === 1 ? '' : 's'} watched in this channel`;
  await ctx.port.ephemeral({ kind: 'watch_list', title, rows, now: ctx.clock().toISOString() });
}
