/**
 * `/cert explain <pasted error>` (also `@cert-doctor explain …` in a thread, and `explain …` in the shell bot):
 * recognise the client and its error, list the likely causes, check the host the text names (taking a probe slot
 * like `/cert check`), and answer in the channel — or in the thread it was asked in.
 */
import type { CommandContext, CommandHelp } from '../src/chat/port.js';
import { errorNotice, refusalNotice } from '../src/chat/views.js';
import type { CheckOptions } from '../src/check.js';
import { explain } from '../src/explain/explain.js';
import type { Diagnosis } from '../src/rules/types.js';

export const definition: CommandHelp = {
  name: 'explain',
  usage: '/cert explain <the error your client printed>',
  summary:
    'Explain a client TLS error (curl, Python, Java, Node, Go, browsers, …): likely causes, the check that tells them apart, the server side, the fix.',
  examples: [
    '/cert explain curl: (60) SSL certificate problem: unable to get local issuer certificate',
    '/cert explain Get "https://registry.example.com/v2/": x509: certificate signed by unknown authority',
  ],
};

export async function runExplain(ctx: CommandContext, args: string): Promise<void> {
  const text = unslack(args);
  if (text === '') {
    await ctx.port.ephemeral(errorNotice('bad_input', `Paste the error after the command. Usage: ${definition.usage}`));
    return;
  }
  const explanation = await explain(text, { check: (endpoint) => checkWithSlot(ctx, endpoint) });
  const msg = { kind: 'explanation', explanation } as const;
  if (ctx.thread) await ctx.port.reply(ctx.thread, msg);
  else await ctx.port.post(msg);
}

/** The same per-user rate and concurrency limits as `/cert check`; over them, explain without the check. */
async function checkWithSlot(ctx: CommandContext, endpoint: string): Promise<Diagnosis | { skipped: string }> {
  const grant = ctx.limits.acquire(ctx.userId);
  if (!grant.ok) {
    const notice = refusalNotice(grant);
    return { skipped: notice.kind === 'notice' ? notice.text : 'over the check limit' };
  }
  try {
    const opts: CheckOptions = { ...ctx.core.checkDefaults, now: ctx.clock };
    return await ctx.core.check(endpoint, opts);
  } finally {
    grant.release();
    await ctx.afterAcks?.();
  }
}

/**
 * Slack's message formatting undone: `<https://x/|x>` and `<https://x/>` back to the URL, entities decoded,
 * code fences dropped (people paste errors inside ``` … ```).
 */
export function unslack(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/```/g, '\n')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}
