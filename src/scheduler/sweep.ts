/**
 * One sweep: check every due subscription through the probing core (the pool's `sweep` lane), store
 * each result as an observation, decide the reminders owed (policy.ts) and record them as intents,
 * then schedule the next check, jittered so subscriptions added together do not stay in lockstep.
 * At most `concurrency` checks run at once and at most one per host (politeness: a sweep of 50 names
 * on one host never opens 50 connections to it at once).
 */

import type { ChatCore } from '../chat/port.js';
import type { CheckOptions } from '../check.js';
import type { Logger } from '../log.js';
import type { ObservationStore, ReminderStore, Subscription, SubscriptionStore } from '../store/types.js';
import { observationOf } from './observe.js';
import { owedReminders } from './policy.js';

export interface SweepDeps {
  subscriptions: SubscriptionStore;
  observations: ObservationStore;
  reminders: ReminderStore;
  core: Pick<ChatCore, 'check' | 'checkDefaults'>;
  clock: () => Date;
  /** [0, 1); injected for deterministic jitter in tests */
  random: () => number;
  log: Logger;
  sweepEveryMs: number;
  concurrency: number;
  /** subscriptions fetched per round (the sweep repeats until none is due) */
  batch?: number;
}

/** ±10 % of the interval. */
const JITTER = 0.1;
/** Observations the policy looks back over (renewal needs 3, unreachable 2). */
const HISTORY = 6;

export interface SweepResult {
  checked: number;
  intents: number;
  /** ms spent in the store (observations, ledger, intents, scheduling) */
  storeMs: number;
}

export function nextCheckAt(now: Date, everyMs: number, random: () => number): Date {
  return new Date(now.getTime() + Math.round(everyMs * (1 - JITTER + 2 * JITTER * random())));
}

/** `shouldContinue` runs before each round: the scheduler renews its lease there and stops when it lost it. */
export async function sweep(
  deps: SweepDeps,
  shouldContinue: () => Promise<boolean> = async () => true,
): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, intents: 0, storeMs: 0 };
  const started = deps.clock();
  for (;;) {
    const due = await deps.subscriptions.due(started, deps.batch ?? 500);
    if (due.length === 0 || !(await shouldContinue())) return result;
    await runPolitely(due, deps.concurrency, hostOf, async (sub) => {
      result.intents += await checkOne(deps, sub, result);
      result.checked++;
    });
  }
}

async function checkOne(deps: SweepDeps, sub: Subscription, result: SweepResult): Promise<number> {
  const now = deps.clock();
  // the sweep lane of the pool, and the sweep profile: no-SNI handshake and version scan only every Nth check
  // of a target (src/probe/profile.ts); expiry, chain and identity are judged on every check
  const opts = {
    ...deps.core.checkDefaults,
    now: deps.clock,
    lane: 'sweep' as const,
    profile: 'sweep' as const,
  } satisfies CheckOptions & { lane: 'sweep' };
  let intents = 0;
  try {
    const diagnosis = await deps.core.check(sub.target, opts);
    const t0 = performance.now();
    await deps.observations.record(observationOf(sub.id, diagnosis, now));
    const [history, ledger] = await Promise.all([
      deps.observations.recent(sub.id, HISTORY),
      deps.reminders.ledger(sub.id),
    ]);
    const owed = owedReminders({ subscription: sub, history, ledger, now });
    intents = (await deps.reminders.intend(sub.id, sub.channel, owed, now)).length;
    result.storeMs += performance.now() - t0;
  } catch (err) {
    // check() never throws for what a server does: this is our bug; the subscription is tried next time.
    deps.log.error({ err, subscription: sub.id, target: sub.target }, 'sweep check failed');
  }
  const t1 = performance.now();
  await deps.subscriptions.scheduleNext(sub.id, now, nextCheckAt(now, deps.sweepEveryMs, deps.random));
  result.storeMs += performance.now() - t1;
  return intents;
}

/** The host part of a target as typed ("a.example:8443" → "a.example"), lower-cased. */
export function hostOf(sub: Subscription): string {
  const t = sub.target.toLowerCase().replace(/^[a-z]+:\/\//, '');
  return t.startsWith('[') ? t.slice(0, t.indexOf(']') + 1) : (t.split(/[:/]/)[0] ?? t);
}

/** Runs `work` over `items`, at most `limit` at once and one at a time per key. */
export async function runPolitely<T>(
  items: T[],
  limit: number,
  keyOf: (t: T) => string,
  work: (t: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const busy = new Set<string>();
  const running = new Set<Promise<void>>();
  while (queue.length > 0 || running.size > 0) {
    const i = running.size < limit ? queue.findIndex((t) => !busy.has(keyOf(t))) : -1;
    if (i < 0) {
      await Promise.race(running);
      continue;
    }
    const [item] = queue.splice(i, 1) as [T];
    const key = keyOf(item);
    busy.add(key);
    const p: Promise<void> = work(item)
      .catch(() => undefined)
      .finally(() => {
        busy.delete(key);
        running.delete(p);
      });
    running.add(p);
  }
}
