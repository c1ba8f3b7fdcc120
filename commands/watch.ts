/**
 * `/cert watch TARGET [--days 30,14,7,3,1]` (and the "Watch expiry" button on a diagnosis): the channel
 * subscribes to the endpoint. Watching checks it at once and answers in the channel with its current
 * state; that answer counts as the reminders owed right now (they are recorded as sent with its ts) and
 * becomes the thread later reminders about the same certificate reply in.
 */
import type { CommandContext, CommandHelp, MessageRef } from '../src/chat/port.js';
import { errorNotice, infoNotice, refusalNotice } from '../src/chat/views.js';
import type { Target } from '../src/probe/types.js';
import { observationOf } from '../src/scheduler/observe.js';
import { DEFAULT_THRESHOLDS, owedReminders } from '../src/scheduler/policy.js';
import { nextCheckAt } from '../src/scheduler/sweep.js';
import { watchRow } from '../src/scheduler/views.js';
import type { Subscription, WatchContext } from '../src/store/types.js';
import { messageOf, probe } from './check.js';

export const definition: CommandHelp = {
  name: 'watch',
  usage: '/cert watch TARGET [--days 30,14,7,3,1]',
  summary:
    'Watch an endpoint from this channel: reminders before expiry, when a renewal is stuck or done, and when it breaks.',
  examples: ['/cert watch example.com', '/cert watch example.com:8443 --days 21,7,1'],
};

/** Default per-channel cap on watched endpoints. */
export const DEFAULT_WATCH_CAP = 500;

type Ctx = Omit<CommandContext, 'text'>;

export async function runWatch(ctx: CommandContext, args: string): Promise<void> {
  const parsed = parseWatchArgs(args);
  if ('error' in parsed) {
    await ctx.port.ephemeral(errorNotice('bad_input', parsed.error));
    return;
  }
  await watchTarget(ctx, parsed.target, parsed.days);
}

/** "TARGET [--days a,b,c]" → target text and thresholds (descending, unique), or a one-line error quoting the input. */
export function parseWatchArgs(args: string): { target: string; days: number[] } | { error: string } {
  const m = /^(.*?)(?:\s+--days(?:=|\s+)(\S+))?\s*$/.exec(args.trim());
  const target = m?.[1]?.trim() ?? '';
  if (target === '' || target.startsWith('--')) return { error: `Which endpoint? Usage: ${definition.usage}` };
  const raw = m?.[2];
  if (raw === undefined) return { target, days: [...DEFAULT_THRESHOLDS] };
  const parts = raw.split(',');
  const days = parts.map(Number);
  if (parts.length > 10 || days.some((d, i) => !/^\d{1,3}$/.test(parts[i]!) || d < 1 || d > 365)) {
    return {
      error: `--days must be up to 10 whole days between 1 and 365, comma-separated; got ${JSON.stringify(raw)}`,
    };
  }
  return { target, days: [...new Set(days)].sort((a, b) => b - a) };
}

/**
 * The canonical form a subscription is stored (and re-checked) under: `host:port`, with the scheme only
 * when `host:port` alone would be probed differently (smtp://mail.example:25).
 */
export function watchKey(t: Target, parse: (input: string) => Target): string {
  const bare = `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  try {
    if (parse(bare).protocol === t.protocol) return bare;
  } catch {
    // the scheme is then needed to say what was meant
  }
  return `${t.protocol}://${bare}`;
}

export async function parseForWatch(ctx: Ctx, input: string): Promise<{ w: WatchContext; key: string } | null> {
  if (!ctx.watch) {
    await ctx.port.ephemeral(
      errorNotice('watch_unavailable', 'Watching endpoints is not available in this cert-doctor instance.'),
    );
    return null;
  }
  try {
    return { w: ctx.watch, key: watchKey(ctx.core.parseTarget(input), ctx.core.parseTarget) };
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'bad_input') throw err;
    await ctx.port.ephemeral(errorNotice('bad_input', messageOf(err)));
    return null;
  }
}

export async function watchTarget(ctx: Ctx, input: string, days: number[]): Promise<void> {
  const parsed = await parseForWatch(ctx, input);
  if (!parsed) return;
  const { w, key } = parsed;
  const now = ctx.clock();
  const added = await w.subscriptions.add({
    channel: ctx.channelId,
    target: key,
    createdBy: ctx.userId,
    thresholds: days,
    now,
    nextCheckAt: nextCheckAt(now, w.sweepEveryMs, w.random),
    cap: w.cap,
  });
  if (!added.ok && added.reason === 'cap') {
    const text = `This channel already watches ${added.count} endpoints, the most one channel may (${w.cap}). Unwatch one first: /cert unwatch TARGET`;
    await ctx.port.ephemeral(errorNotice('watch_cap', text));
    return;
  }
  if (!added.ok) {
    await ctx.port.ephemeral(infoNotice(`This channel already watches ${key}; /cert list shows its state.`));
    return;
  }
  await checkNow(ctx, w, added.subscription);
}

/** The first check: store it, answer with the state, and count the reminders owed now as said by that answer. */
async function checkNow(ctx: Ctx, w: WatchContext, sub: Subscription): Promise<void> {
  const grant = ctx.limits.acquire(ctx.userId);
  const outcome = grant.ok ? await probe(ctx, sub.target).finally(() => grant.release()) : null;
  const now = ctx.clock();
  const title = `Now watching ${sub.target} — reminders ${sub.thresholds.join(', ')} days before expiry, on renewal and on breakage`;
  if (!outcome?.ok) {
    const ref = await ctx.port.post({
      kind: 'watch_list',
      title,
      rows: [watchRow(sub, undefined)],
      now: now.toISOString(),
    });
    if (!grant.ok) await ctx.port.ephemeral(refusalNotice(grant));
    else if (outcome)
      await ctx.port.reply(ref, errorNotice('check_failed', `The first check failed: ${outcome.error}`));
    return;
  }
  const obs = await w.observations.record(observationOf(sub.id, outcome.diagnosis, now));
  await w.subscriptions.scheduleNext(sub.id, now, sub.nextCheckAt);
  const ref = await ctx.port.post({ kind: 'watch_list', title, rows: [watchRow(sub, obs)], now: now.toISOString() });
  const owed = owedReminders({ subscription: sub, history: [obs], ledger: [], now });
  for (const r of await w.reminders.intend(sub.id, sub.channel, owed, now)) {
    await w.reminders.markSent(r.id, ref.ts, null, now);
  }
  if (isMessageTs(ref)) {
    for (const fp of new Set(obs.endpoints.flatMap((e) => (e.leaf ? [e.leaf.sha256] : [])))) {
      await w.reminders.setThread(sub.id, fp, sub.channel, ref.ts);
    }
  }
}

/** A real channel message (not an ephemeral stand-in from the response_url fallback) can hold a thread. */
const isMessageTs = (ref: MessageRef) => /^\d+\.\d+$/.test(ref.ts) || /^\d+$/.test(ref.ts);
