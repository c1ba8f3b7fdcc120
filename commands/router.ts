/**
 * `/cert <sub> …` (and the text of a bot mention) → the subcommand's handler. Later subcommands (watch,
 * unwatch, list) plug in by adding a row to SUBCOMMANDS.
 */
import type { CommandContext, CommandHelp } from '../src/chat/port.js';
import { errorNotice } from '../src/chat/views.js';
import * as check from './check.js';
import * as explainCmd from './explain.js';
import * as help from './help.js';
import * as history from './history.js';
import * as inspect from './inspect.js';
import * as list from './list.js';
import { runThreadAction, definitions as threadDefs } from './thread.js';
import * as unwatch from './unwatch.js';
import * as watch from './watch.js';

export interface Subcommand {
  help: CommandHelp;
  /** other words that select it ("fix_guide" for "fix") */
  aliases?: string[];
  run(ctx: CommandContext, args: string): Promise<void>;
}

export const SUBCOMMANDS: Subcommand[] = [
  { help: check.definition, run: check.runCheck },
  { help: explainCmd.definition, run: explainCmd.runExplain },
  { help: inspect.definition, run: inspect.runInspect },
  { help: threadDefs.recheck, aliases: ['re-check'], run: (ctx) => runThreadAction(ctx, 'recheck') },
  { help: threadDefs.fix_guide, aliases: ['fix_guide', 'guide'], run: (ctx) => runThreadAction(ctx, 'fix_guide') },
  { help: threadDefs.show_chain, aliases: ['show_chain'], run: (ctx) => runThreadAction(ctx, 'show_chain') },
  // In a diagnosis thread, a bare `@cert-doctor watch` watches that diagnosis's target.
  {
    help: watch.definition,
    run: (ctx, args) => (args === '' && ctx.thread ? runThreadAction(ctx, 'watch') : watch.runWatch(ctx, args)),
  },
  { help: unwatch.definition, run: unwatch.runUnwatch },
  { help: list.definition, aliases: ['ls'], run: (ctx) => list.runList(ctx) },
  { help: history.definition, run: history.runHistory },
  { help: help.definition, aliases: ['-h', '--help', '?'], run: (ctx) => help.runHelp(ctx, helpTable()) },
];

function helpTable(): CommandHelp[] {
  return SUBCOMMANDS.map((s) => s.help);
}

/** Split "check example.com" into the lower-cased subcommand and the rest, dropping a leading "/cert" and mentions. */
export function splitCommand(text: string): { sub: string; args: string } {
  const t = text
    .trim()
    .replace(/^(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/i, '')
    .replace(/^\/cert(\s+|$)/i, '');
  const m = /^(\S+)\s*([\s\S]*)$/.exec(t);
  return m ? { sub: m[1]!.toLowerCase(), args: m[2]!.trim() } : { sub: '', args: '' };
}

export function findSubcommand(sub: string): Subcommand | null {
  return SUBCOMMANDS.find((s) => s.help.name === sub || s.aliases?.includes(sub)) ?? null;
}

/**
 * Dispatch one command. Never rejects: an unexpected failure becomes an error notice to the requester
 * (and is passed to `onError` for the transport's log), so a bug in one handler cannot take the bot down.
 */
export async function routeCommand(ctx: CommandContext, onError?: (err: unknown) => void): Promise<void> {
  const { sub, args } = splitCommand(ctx.text);
  const cmd = findSubcommand(sub);
  try {
    if (cmd) await cmd.run(ctx, args);
    else await help.runHelp(ctx, helpTable(), sub === '' ? undefined : sub);
  } catch (err) {
    onError?.(err);
    await ctx.port
      .ephemeral(errorNotice('check_failed', `cert-doctor failed on ${JSON.stringify(ctx.text.slice(0, 120))}.`))
      .catch((e: unknown) => onError?.(e));
  }
}
