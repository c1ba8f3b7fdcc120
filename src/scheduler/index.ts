/**
 * The scheduler loop. Each tick: take or renew the database's scheduler lease (one active scheduler
 * per database; a second process stays passive and takes over once the first stops renewing), sweep
 * the due subscriptions, then deliver the reminders owed. Time comes from the injected clock and the
 * next tick from injected timers, so tests drive it tick by tick without sleeping.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { LeaseStore, ObservationStore, ReminderStore, SubscriptionStore, SweepStore } from '../store/types.js';
import { Deliverer, type DeliveryStep } from './deliver.js';
import type { ReminderSink } from './sink.js';
import { type SweepDeps, type SweepResult, sweep } from './sweep.js';

export const LEASE_NAME = 'scheduler';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SchedulerStores {
  subscriptions: SubscriptionStore;
  observations: ObservationStore;
  reminders: ReminderStore;
  sweeps: SweepStore;
  leases: LeaseStore;
}

export interface SchedulerOptions extends SchedulerStores {
  core: SweepDeps['core'];
  sink: ReminderSink;
  clock: () => Date;
  log: Logger;
  sweepEveryMs: number;
  /** how often due subscriptions are looked for; default min(30 s, sweepEvery / 4) */
  tickMs?: number;
  /** checks in flight at once (the pool's sweep lane caps it again); default 8 */
  concurrency?: number;
  timers?: Timers;
  random?: () => number;
  /** this process's name in the lease row; default a random UUID */
  holder?: string;
  /** default 3 ticks, at least 30 s: a holder that missed two renewals is presumed dead */
  leaseTtlMs?: number;
  onStep?: (step: DeliveryStep | 'after_sweep', info?: unknown) => void | Promise<void>;
  /** called after each active tick (metrics) */
  onTick?: (r: TickResult) => void;
}

export type TickResult = { role: 'passive' } | { role: 'active'; sweep: SweepResult; sent: number };

export class Scheduler {
  readonly holder: string;
  readonly #o: SchedulerOptions;
  readonly #deliver: Deliverer;
  readonly #timers: Timers;
  readonly #tickMs: number;
  readonly #ttlMs: number;
  #timer: unknown = null;
  #running: Promise<unknown> | null = null;
  #stopped = true;
  #halting = false;

  constructor(o: SchedulerOptions) {
    this.#o = o;
    this.holder = o.holder ?? randomUUID();
    this.#timers = o.timers ?? realTimers;
    this.#tickMs = o.tickMs ?? Math.max(1000, Math.min(30_000, Math.floor(o.sweepEveryMs / 4)));
    this.#ttlMs = o.leaseTtlMs ?? Math.max(30_000, 3 * this.#tickMs);
    const onStep = o.onStep;
    this.#deliver = new Deliverer({
      reminders: o.reminders,
      subscriptions: o.subscriptions,
      sink: o.sink,
      clock: o.clock,
      log: o.log,
      ...(onStep ? { onStep: (s: DeliveryStep, r: unknown) => onStep(s, r) } : {}),
    });
  }

  /** One tick: lease, sweep, deliver. Never rejects (a failed tick is logged; the next one retries). */
  async tick(): Promise<TickResult> {
    const o = this.#o;
    try {
      if (!(await o.leases.acquire(LEASE_NAME, this.holder, o.clock(), this.#ttlMs))) return { role: 'passive' };
      const result = await sweep(
        { ...o, random: o.random ?? Math.random, concurrency: o.concurrency ?? 8 },
        async () => this.#stillActive() && (await o.leases.acquire(LEASE_NAME, this.holder, o.clock(), this.#ttlMs)),
      );
      await o.onStep?.('after_sweep', result);
      // A sweep can outlast the lease: post only while still the holder (the other one reconciles).
      if (!(await o.leases.acquire(LEASE_NAME, this.holder, o.clock(), this.#ttlMs))) return { role: 'passive' };
      const { sent } = await this.#deliver.deliverPending();
      const r: TickResult = { role: 'active', sweep: result, sent };
      o.onTick?.(r);
      return r;
    } catch (err) {
      o.log.error({ err }, 'scheduler tick failed');
      return { role: 'passive' };
    }
  }

  /** false once stop() was called: a sweep in progress ends after its current round (which renews the lease). */
  #stillActive(): boolean {
    return !this.#halting;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#halting = false;
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.#running = this.tick().finally(() => {
        this.#running = null;
        if (!this.#stopped) this.#schedule(this.#delay());
      });
    }, ms);
  }

  /** The next tick: the tick interval, or sooner when a backing-off channel may be retried. */
  #delay(): number {
    const retry = this.#deliver.nextRetryAt();
    const untilRetry = retry === null ? this.#tickMs : Math.max(0, retry - this.#o.clock().getTime());
    return Math.min(this.#tickMs, untilRetry);
  }

  /** Stops ticking, waits for a tick in progress, and releases the lease so another process takes over at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#halting = true;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.#o.leases.release(LEASE_NAME, this.holder);
  }
}
