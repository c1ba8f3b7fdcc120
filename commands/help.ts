/** `/cert help` (also an empty or unknown subcommand): usage of every subcommand, with examples. */
import type { CommandContext, CommandHelp } from '../src/chat/port.js';

export const definition: CommandHelp = {
  name: 'help',
  usage: '/cert help',
  summary: 'Show what cert-doctor can do, with examples.',
  examples: ['/cert help'],
};

/** Shown only to the requester: help is not news for the channel. */
export async function runHelp(ctx: CommandContext, commands: CommandHelp[], unknown?: string): Promise<void> {
  await ctx.port.ephemeral(unknown === undefined ? { kind: 'help', commands } : { kind: 'help', commands, unknown });
}
