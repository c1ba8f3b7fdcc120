/**
 * The actions an incident message offers (Slack buttons, numbered actions in the shell, or the same words
 * mentioned in its thread): re-check, fix guide, show chain. Each answers in the incident's thread.
 */
import type { ActionContext, ActionId, Incident } from '../src/chat/port.js';
import { errorNotice } from '../src/chat/views.js';
import { DEFAULT_THRESHOLDS } from '../src/scheduler/policy.js';
import { runRecheck } from './recheck.js';
import { watchTarget } from './watch.js';

const HANDLERS: Record<ActionId, (ctx: ActionContext, incident: Incident) => Promise<void>> = {
  recheck: runRecheck,
  fix_guide: async (ctx, incident) => {
    const diagnosis = incident.lastDiagnosis;
    await ctx.port.reply(parentOf(incident), { kind: 'fix_guide', diagnosis, stack: diagnosis.serverStack });
  },
  show_chain: async (ctx, incident) => {
    await ctx.port.reply(parentOf(incident), { kind: 'chain', diagnosis: incident.lastDiagnosis });
  },
  watch: (ctx, incident) => watchTarget(ctx, incident.target, [...DEFAULT_THRESHOLDS]),
};

/**
 * Run one action on an incident. Never rejects: an unexpected failure becomes an error notice to the
 * requester (and goes to `onError` for the transport's log).
 */
export async function handleAction(ctx: ActionContext, onError?: (err: unknown) => void): Promise<void> {
  try {
    await runAction(ctx);
  } catch (err) {
    onError?.(err);
    await ctx.port
      .ephemeral(errorNotice('check_failed', `cert-doctor failed on the ${ctx.actionId} action.`))
      .catch((e: unknown) => onError?.(e));
  }
}

/** Run one action; rejects on unexpected failures (routeCommand and handleAction catch them). */
export async function runAction(ctx: ActionContext): Promise<void> {
  const incident = await ctx.store.get(ctx.incidentId);
  // Acted on from its own channel only: a click carrying another channel's incident id (a copied or forged
  // payload) would reply in that channel's thread, or show its diagnosis to an outsider through the
  // response_url fallback. Refused as unknown, so the answer does not tell whether the id exists.
  if (!incident || incident.channel !== ctx.channelId) {
    await ctx.port.ephemeral(
      errorNotice(
        'incident_not_found',
        `No incident ${JSON.stringify(ctx.incidentId)} is known; run /cert check again.`,
      ),
    );
    return;
  }
  await HANDLERS[ctx.actionId](ctx, incident);
}

function parentOf(incident: Incident) {
  return { channel: incident.channel, ts: incident.ts };
}
