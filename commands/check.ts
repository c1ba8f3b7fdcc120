/**
 * `/cert check TARGET`: validate the target, take a probe slot, post "Checking host:port…", update it in
 * place as phases finish, then turn it into the diagnosis parent (an incident) with every finding in its
 * thread.
 */

import { offerFullchain } from '../src/chat/fullchain.js';
import type { ChatMessage, CommandContext, CommandHelp, MessageRef } from '../src/chat/port.js';
import { diagnosisMessage, errorNotice, refusalNotice } from '../src/chat/views.js';
import type { CheckOptions, CheckPhase } from '../src/check.js';
import type { Target } from '../src/probe/types.js';
import type { Diagnosis } from '../src/rules/types.js';

export const definition: CommandHelp = {
  name: 'check',
  usage: '/cert check TARGET',
  summary: 'Diagnose the TLS certificate of an endpoint: what is wrong, which clients break, how to fix it.',
  examples: ['/cert check example.com', '/cert check example.com:8443', '/cert check smtp://mail.example.com:587'],
};

export async function runCheck(ctx: CommandContext, args: string): Promise<void> {
  const input = args.trim();
  const target = await parseOrNotice(ctx, input);
  if (!target) return;
  const grant = ctx.limits.acquire(ctx.userId);
  if (!grant.ok) {
    await ctx.port.ephemeral(refusalNotice(grant));
    return;
  }
  let ref: MessageRef;
  try {
    ref = await ctx.port.post({ kind: 'progress', target, phase: 'resolving' });
  } catch (err) {
    grant.release();
    throw err;
  }
  const pending = { channel: ref.channel, ts: ref.ts };
  try {
    // recorded before the probe starts: a crash from here on leaves a row the next start marks failed
    await ctx.pending?.add({
      ...pending,
      target: input,
      requestedBy: ctx.userId,
      startedAt: ctx.clock().toISOString(),
    });
    await finishCheck(ctx, input, target, ref, grant);
  } catch (err) {
    grant.release(); // when recording the pending row failed, the probe never ran (extra calls are ignored)
    // never leave "Checking…" behind: whatever failed after the post, the message says so (best effort)
    await ctx.port
      .update(ref, errorNotice('check_failed', `The check of ${input} failed inside cert-doctor: ${messageOf(err)}`))
      .catch(() => undefined);
    throw err;
  } finally {
    await ctx.pending?.remove(pending);
  }
}

async function finishCheck(
  ctx: CommandContext,
  input: string,
  target: Target,
  ref: MessageRef,
  grant: { release(): void },
): Promise<void> {
  const progress = progressUpdater(ctx, ref, target);
  const outcome = await probe(ctx, input, progress.phase).finally(() => grant.release());
  await progress.settled();
  if (!outcome.ok) {
    await ctx.port.update(
      ref,
      errorNotice('check_failed', `The check of ${input} failed inside cert-doctor: ${outcome.error}`),
    );
    return;
  }
  const { diagnosis } = outcome;
  const incident = await ctx.store.create({
    channel: ref.channel,
    ts: ref.ts,
    target: input,
    requestedBy: ctx.userId,
    diagnosis,
    now: ctx.clock(),
  });
  await ctx.port.update(ref, diagnosisMessage(incident));
  // the thread carries the per-backend matrix too, so a name with several addresses always gets one
  if (diagnosis.findings.length > 0 || diagnosis.report.endpoints.length > 1) {
    await ctx.port.reply(ref, { kind: 'findings', diagnosis });
  }
  await offerFullchain(ctx.port, ref, diagnosis);
}

type ProbeOutcome = { ok: true; diagnosis: Diagnosis } | { ok: false; error: string };

/**
 * check() never throws for what a server does; a throw is our bug, reported in place of the diagnosis.
 * Resolves after the transport's pending acks (`afterAcks`): what the caller does next — store, render, post
 * — runs on the main thread, and an ack has 3 s in all.
 */
export async function probe(
  ctx: Pick<CommandContext, 'core' | 'clock' | 'afterAcks'>,
  input: string,
  onPhase?: CheckOptions['onPhase'],
): Promise<ProbeOutcome> {
  let outcome: ProbeOutcome;
  try {
    const opts: CheckOptions = { ...ctx.core.checkDefaults, now: ctx.clock };
    if (onPhase) opts.onPhase = onPhase;
    outcome = { ok: true, diagnosis: await ctx.core.check(input, opts) };
  } catch (err) {
    outcome = { ok: false, error: messageOf(err) };
  }
  await ctx.afterAcks?.();
  return outcome;
}

/** The parsed target, or null after telling the user (one line quoting the input). */
async function parseOrNotice(ctx: CommandContext, input: string): Promise<Target | null> {
  if (input === '') {
    await ctx.port.ephemeral(errorNotice('bad_input', `Which endpoint? Usage: ${definition.usage}`));
    return null;
  }
  try {
    return ctx.core.parseTarget(input);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'bad_input') throw err;
    await ctx.port.ephemeral(errorNotice('bad_input', messageOf(err)));
    return null;
  }
}

interface ProgressUpdater {
  phase: (phase: CheckPhase, detail: string) => void;
  /** resolves when every queued update has been sent (or failed: progress is best effort) */
  settled: () => Promise<void>;
}

/**
 * check() reports phases synchronously; updates go out one after another so Slack never sees an older
 * phase after a newer one. 'done' is not shown: the diagnosis replaces the message right after.
 */
function progressUpdater(ctx: CommandContext, ref: MessageRef, target: Target): ProgressUpdater {
  let queue = Promise.resolve();
  let last: CheckPhase = 'resolving';
  return {
    phase: (phase, detail) => {
      if (phase === last || phase === 'done') return;
      last = phase;
      const msg: ChatMessage = { kind: 'progress', target, phase, detail };
      queue = queue.then(() => ctx.port.update(ref, msg)).catch(() => undefined);
    },
    settled: () => queue,
  };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
