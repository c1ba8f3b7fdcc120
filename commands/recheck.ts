/**
 * Re-check an incident (button or `@cert-doctor recheck` in its thread): probe the same target again,
 * reply in the thread with what changed by finding code, update the parent. With no critical finding
 * left the incident is resolved, by whoever re-checked and when; a critical one re-opens it.
 */
import { offerFullchainOnRecheck } from '../src/chat/fullchain.js';
import type { ActionContext, FindingDelta, Incident } from '../src/chat/port.js';
import { diagnosisMessage, errorNotice, hasCritical, incidentView, refusalNotice } from '../src/chat/views.js';
import type { Diagnosis } from '../src/rules/types.js';
import { probe } from './check.js';

/** Compare two diagnoses by finding code (codes are stable, prose is not). */
export function computeDelta(before: Diagnosis, after: Diagnosis): FindingDelta {
  const was = new Set(before.findings.map((f) => f.code));
  const now = new Set(after.findings.map((f) => f.code));
  const sorted = (xs: Iterable<string>) => [...xs].sort();
  return {
    fixed: sorted([...was].filter((c) => !now.has(c))),
    still: sorted([...was].filter((c) => now.has(c))),
    appeared: sorted([...now].filter((c) => !was.has(c))),
  };
}

export async function runRecheck(ctx: ActionContext, incident: Incident): Promise<void> {
  const grant = ctx.limits.acquire(ctx.userId);
  if (!grant.ok) {
    await ctx.port.ephemeral(refusalNotice(grant));
    return;
  }
  const outcome = await probe(ctx, incident.target).finally(() => grant.release());
  const parent = { channel: incident.channel, ts: incident.ts };
  if (!outcome.ok) {
    await ctx.port.reply(
      parent,
      errorNotice('check_failed', `The re-check of ${incident.target} failed inside cert-doctor: ${outcome.error}`),
    );
    return;
  }
  const after = outcome.diagnosis;
  const delta = computeDelta(incident.lastDiagnosis, after);
  const updated = await record(ctx, incident, after);
  await ctx.port.reply(parent, {
    kind: 'delta',
    ...delta,
    diagnosis: after,
    incident: incidentView(updated),
    by: ctx.userId,
  });
  await ctx.port.update(parent, diagnosisMessage(updated));
  await offerFullchainOnRecheck(ctx.port, parent, after, incident.lastDiagnosis);
}

/** Store the new diagnosis and move the status: resolved when nothing critical remains, open otherwise. */
async function record(ctx: ActionContext, incident: Incident, after: Diagnosis): Promise<Incident> {
  const now = ctx.clock();
  if (hasCritical(after)) return ctx.store.update(incident.id, { diagnosis: after, status: 'open', now });
  const stored = await ctx.store.update(incident.id, { diagnosis: after, now });
  return stored.status === 'resolved' ? stored : ctx.store.resolve(incident.id, ctx.userId, now);
}
