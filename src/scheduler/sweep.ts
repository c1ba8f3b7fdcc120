/**
 * One sweep: check every due subscription through the probing core (the pool's `sweep` lane, the `sweep`
 * profile), store each result as an observation, decide the reminders owed (policy.ts) and record them
 * as intents, then schedule the next check, jittered so subscriptions added together do not stay in
 * lockstep.
 *
 * Memory stays flat in the number of subscriptions: the due list is streamed page by page (keyset
 * paging), a diagnosis is reduced to its observation as soon as it arrives, and outcomes wait for their
 * batch's commit only (one transaction per FLUSH_EVERY outcomes or FLUSH_AFTER_MS, store/sweep-batch.ts).
 *
 * Concurrency: at most `concurrency` checks in flight (the pool's sweep share caps it again), and one
 * check at a time per host name (politeness per name: a sweep of 50 paths or ports of one name never
 * opens 50 connections to it at once). Names are not grouped by address: the address is only known in
 * the worker, after resolution, and many names on one CDN or load-balancer address is the normal case;
 * the concurrency cap bounds what any one address sees (≤ `concurrency` connections at once).
 */

import { createHash } from 'node:crypto';
import type { ChatCore } from '../chat/port.js';
import type { CheckOptions } from '../check.js';
import type { Logger } from '../log.js';
import { SWEEP_FULL_EVERY } from '../probe/profile.js';
import type {
  DecideOwed,
  ObservationStore,
  ReminderStore,
  Subscription,
  SubscriptionStore,
  SweepOutcome,
  SweepPolicy,
  SweepStore,
} from '../store/types.js';
import { carryForward } from './carry.js';
import { observedOf } from './observe.js';
import { owedReminders } from './policy.js';
import { forgettable } from './prune.js';

export interface SweepDeps {
  subscriptions: SubscriptionStore;
  observations: ObservationStore;
  reminders: ReminderStore;
  sweeps: SweepStore;
  core: Pick<ChatCore, 'check' | 'checkDefaults' | 'observe'>;
  clock: () => Date;
  /** [0, 1); injected for deterministic jitter in tests */
  random: () => number;
  log: Logger;
  sweepEveryMs: number;
  concurrency: number;
  /** subscriptions fetched per page (the sweep reads pages until none is due) */
  batch?: number;
}

/** ±10 % of the interval. */
const JITTER = 0.1;
/** Observations the policy looks back over (renewal needs 3, unreachable 2). */
const HISTORY = 6;
/** Outcomes per transaction, and the longest an outcome waits for one. */
const FLUSH_EVERY = 200;
const FLUSH_AFTER_MS = 2_000;

export interface SweepResult {
  checked: number;
  intents: number;
  /** ms spent in the store (due pages, observations, ledger, intents, scheduling) */
  storeMs: number;
}

/**
 * `full` on one sweep in SWEEP_FULL_EVERY of each subscription, `light` on the others. The sweep's ordinal is
 * its time in whole intervals, offset by a hash of the subscription id: a tenth of the subscriptions get the
 * full check in any one sweep (no sweep pays for all of them), and a restart changes nothing (a per-process
 * counter made the first sweep after every start a full one for every endpoint). Jitter (±10 %) can move a
 * subscription's full check by one sweep now and then; it is never skipped for long.
 */
export function sweepProfile(subscriptionId: string, now: Date, everyMs: number): 'full' | 'light' {
  const ordinal = Math.floor(now.getTime() / Math.max(1, everyMs));
  const digest = createHash('sha256').update(subscriptionId).digest();
  return (ordinal + digest.readUInt32BE(0)) % SWEEP_FULL_EVERY === 0 ? 'full' : 'light';
}

export function nextCheckAt(now: Date, everyMs: number, random: () => number): Date {
  return new Date(now.getTime() + Math.round(everyMs * (1 - JITTER + 2 * JITTER * random())));
}

/**
 * `shouldContinue` runs before each page and, within a page, before the next check once RENEW_EVERY_MS
 * have passed: the scheduler renews its lease there and the sweep stops when it lost it. Per page only was
 * not enough: 500 checks of slow real endpoints outlast the lease (30 s at least), and a second process
 * would take over and sweep the same subscriptions at the same time.
 */
export async function sweep(
  deps: SweepDeps,
  shouldContinue: () => Promise<boolean> = async () => true,
): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, intents: 0, storeMs: 0 };
  const writer = new OutcomeWriter(deps, result);
  await runPolitely(duePages(deps, result, shouldContinue), deps.concurrency, hostOf, async (sub) => {
    writer.add(await checkOne(deps, sub));
    result.checked++;
  });
  await writer.flush();
  return result;
}

/** Lease renewals at least this often while checks run (the shortest lease is 30 s). */
const RENEW_EVERY_MS = 10_000;

/** The due subscriptions as of the sweep's start, a page at a time, until none is left or the lease is lost. */
async function* duePages(
  deps: SweepDeps,
  result: SweepResult,
  shouldContinue: () => Promise<boolean>,
): AsyncGenerator<Subscription> {
  const started = deps.clock();
  let after: { nextCheckAt: Date; id: string } | undefined;
  for (;;) {
    const t0 = performance.now();
    const page = await deps.subscriptions.due(started, deps.batch ?? 500, after);
    result.storeMs += performance.now() - t0;
    if (page.length === 0 || !(await shouldContinue())) return;
    let renewed = deps.clock().getTime();
    const last = page.at(-1)!;
    after = { nextCheckAt: last.nextCheckAt, id: last.id };
    for (const sub of page) {
      if (deps.clock().getTime() - renewed >= RENEW_EVERY_MS) {
        if (!(await shouldContinue())) return;
        renewed = deps.clock().getTime();
      }
      yield sub;
    }
  }
}

async function checkOne(deps: SweepDeps, sub: Subscription): Promise<SweepOutcome> {
  const now = deps.clock();
  // the sweep lane of the pool; expiry, chain and identity are judged on every check, the no-SNI handshake and
  // the version scan on every SWEEP_FULL_EVERY-th sweep of a subscription (sweepProfile)
  const opts = {
    ...deps.core.checkDefaults,
    now: deps.clock,
    lane: 'sweep' as const,
    profile: sweepProfile(sub.id, now, deps.sweepEveryMs),
  } satisfies CheckOptions & { lane: 'sweep' };
  const next = nextCheckAt(now, deps.sweepEveryMs, deps.random);
  try {
    // the pool reduces the check to its observation in the worker (observe.ts observedOf)
    const observed = deps.core.observe
      ? await deps.core.observe(sub.target, opts)
      : observedOf(await deps.core.check(sub.target, opts));
    const observation = { subscriptionId: sub.id, at: now, ...observed };
    return { subscription: sub, observation, checkedAt: now, nextCheckAt: next };
  } catch (err) {
    // check() never throws for what a server does: this is our bug; the subscription is tried next time.
    deps.log.error({ err, subscription: sub.id, target: sub.target }, 'sweep check failed');
    return { subscription: sub, observation: null, checkedAt: now, nextCheckAt: next };
  }
}

/** Collects outcomes and commits them in batches, one commit at a time. */
class OutcomeWriter {
  #deps: SweepDeps;
  #result: SweepResult;
  #buffer: SweepOutcome[] = [];
  #since: number;
  #chain: Promise<void> = Promise.resolve();
  #policy: SweepPolicy;

  constructor(deps: SweepDeps, result: SweepResult) {
    this.#deps = deps;
    this.#result = result;
    this.#since = deps.clock().getTime();
    // The policy's pure functions never fail a batch: a throw is logged, and the batch goes on without their say
    // (nothing owed, nothing forgotten, the observation stored as the check saw it).
    const guard =
      <A extends unknown[], R>(what: string, fn: (...a: A) => R, fallback: (...a: A) => R) =>
      (...a: A): R => {
        try {
          return fn(...a);
        } catch (err) {
          deps.log.error({ err }, what);
          return fallback(...a);
        }
      };
    this.#policy = {
      history: HISTORY,
      decide: guard<Parameters<DecideOwed>, ReturnType<DecideOwed>>(
        'reminder policy failed',
        (subscription, history, ledger, now) => owedReminders({ subscription, history, ledger, now }),
        () => [],
      ),
      forget: guard('deciding which reminders to forget failed', forgettable, () => ({ ids: [], fingerprints: [] })),
      carry: guard(
        'carrying findings forward failed',
        carryForward,
        (_previous, { unjudged: _u, ...observed }) => observed,
      ),
    };
  }

  add(outcome: SweepOutcome): void {
    this.#buffer.push(outcome);
    const waited = this.#deps.clock().getTime() - this.#since;
    if (this.#buffer.length >= FLUSH_EVERY || waited >= FLUSH_AFTER_MS) void this.flush();
  }

  /** Commits what is buffered; resolves when every commit asked for so far is done. Never rejects. */
  flush(): Promise<void> {
    const batch = this.#buffer;
    this.#buffer = [];
    this.#since = this.#deps.clock().getTime();
    this.#chain = this.#chain.then(async () => {
      if (batch.length === 0) return;
      const t0 = performance.now();
      try {
        this.#result.intents += await this.#deps.sweeps.commit(batch, this.#policy);
      } catch (err) {
        // the batch's subscriptions stay due: the next tick checks them again
        this.#deps.log.error({ err, outcomes: batch.length }, 'storing sweep results failed');
      }
      this.#result.storeMs += performance.now() - t0;
    });
    return this.#chain;
  }
}

/** The host part of a target as typed ("a.example:8443" → "a.example"), lower-cased. */
export function hostOf(sub: Subscription): string {
  const t = sub.target.toLowerCase().replace(/^[a-z]+:\/\//, '');
  return t.startsWith('[') ? t.slice(0, t.indexOf(']') + 1) : (t.split(/[:/]/)[0] ?? t);
}

/** Items read ahead of the running ones while looking for one whose host is not busy. */
const MAX_AHEAD = 2_000;

/**
 * Runs `work` over `items` (an array or a stream), at most `limit` at once and one at a time per key.
 * A stream is read ahead only as far as it takes to find work for a free slot.
 */
export async function runPolitely<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  keyOf: (t: T) => string,
  work: (t: T) => Promise<void>,
): Promise<void> {
  const source = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : toAsync(items[Symbol.iterator]());
  let exhausted = false;
  const queue: T[] = [];
  const busy = new Set<string>();
  const running = new Set<Promise<void>>();
  const pull = async () => {
    const next = await source.next();
    if (next.done) exhausted = true;
    else queue.push(next.value);
  };
  for (;;) {
    if (running.size < limit) {
      let i = queue.findIndex((t) => !busy.has(keyOf(t)));
      while (i < 0 && !exhausted && queue.length < MAX_AHEAD) {
        await pull();
        if (!exhausted && !busy.has(keyOf(queue.at(-1)!))) i = queue.length - 1;
      }
      if (i >= 0) {
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
        continue;
      }
    }
    if (running.size === 0 && exhausted && queue.length === 0) return;
    await Promise.race(running);
  }
}

function toAsync<T>(it: Iterator<T>): AsyncIterator<T> {
  return { next: async () => it.next() };
}
