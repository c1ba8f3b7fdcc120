/**
 * The incident actions typed as words in an incident thread (`@cert-doctor recheck`, `fix`, `chain`).
 * Slash commands cannot be used in threads, so mentions are how a thread asks for them.
 */
import type { ActionId, CommandContext, CommandHelp } from '../src/chat/port.js';
import { errorNotice } from '../src/chat/views.js';
import { runAction } from './actions.js';

export const definitions: Record<ActionId, CommandHelp> = {
  recheck: {
    name: 'recheck',
    usage: '@cert-doctor recheck (in a diagnosis thread)',
    summary:
      'Probe again, reply with what was fixed, still there or new, and mark the incident resolved when nothing critical is left.',
    examples: ['@cert-doctor recheck'],
  },
  fix_guide: {
    name: 'fix',
    usage: '@cert-doctor fix (in a diagnosis thread)',
    summary: 'Post the step-by-step fix for the detected server software.',
    examples: ['@cert-doctor fix'],
  },
  show_chain: {
    name: 'chain',
    usage: '@cert-doctor chain (in a diagnosis thread)',
    summary: 'Post the certificate chain as the server sent it and as cert-doctor built it.',
    examples: ['@cert-doctor chain'],
  },
  watch: {
    name: 'watch',
    usage: '@cert-doctor watch (in a diagnosis thread)',
    summary: "Watch the diagnosis's endpoint from this channel (expiry reminders).",
    examples: ['@cert-doctor watch'],
  },
};

export async function runThreadAction(ctx: CommandContext, actionId: ActionId): Promise<void> {
  const incident = ctx.thread ? await ctx.store.getByMessage(ctx.thread.channel, ctx.thread.ts) : null;
  if (!incident) {
    const name = definitions[actionId].name;
    await ctx.port.ephemeral(
      errorNotice('not_in_thread', `"${name}" works in the thread of a diagnosis: mention me there with "${name}".`),
    );
    return;
  }
  const { text: _text, ...rest } = ctx;
  await runAction({ ...rest, actionId, incidentId: incident.id });
}
