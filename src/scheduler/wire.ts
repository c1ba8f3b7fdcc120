/**
 * Wiring of watched endpoints over one SQLite database: the stores (CommandContext.watch) and the
 * scheduler, as `cert-doctor start` runs them for Slack and the shell bot.
 */
import type { ChatCore } from '../chat/port.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { SqliteLeaseStore } from '../store/leases.js';
import { SqliteObservationStore } from '../store/observations.js';
import { SqliteReminderStore } from '../store/reminders.js';
import { SqliteSubscriptionStore } from '../store/subscriptions.js';
import { SqliteSweepStore } from '../store/sweep-batch.js';
import type { LeaseStore, WatchContext } from '../store/types.js';
import { Scheduler, type SchedulerOptions } from './index.js';
import type { ReminderSink } from './sink.js';

export function watchContext(
  db: Db,
  opts: { sweepEveryMs: number; cap: number },
): WatchContext & { leases: LeaseStore } {
  const stores = {
    subscriptions: new SqliteSubscriptionStore(db),
    observations: new SqliteObservationStore(db),
    reminders: new SqliteReminderStore(db),
  };
  return {
    ...stores,
    sweeps: new SqliteSweepStore(db, stores),
    leases: new SqliteLeaseStore(db),
    sweepEveryMs: opts.sweepEveryMs,
    cap: opts.cap,
    random: Math.random,
  };
}

export interface SchedulerWiring {
  watch: WatchContext & { leases: LeaseStore };
  core: Pick<ChatCore, 'check' | 'checkDefaults' | 'observe'>;
  sink: ReminderSink;
  clock: () => Date;
  log: Logger;
  extra?: Partial<SchedulerOptions>;
}

export function createScheduler(w: SchedulerWiring): Scheduler {
  return new Scheduler({
    ...w.watch,
    core: w.core,
    sink: w.sink,
    clock: w.clock,
    log: w.log.child({ component: 'scheduler' }),
    sweepEveryMs: w.watch.sweepEveryMs,
    random: w.watch.random,
    ...w.extra,
  });
}

/**
 * The demo clock (CERT_DOCTOR_DEMO): one day passes every real second from `start`, so a certificate
 * with 40 days left crosses 30, 14, 7, 3 and 1 days and expires within a minute of watching it.
 */
export function demoClock(start: number, realNow: () => number = Date.now, daysPerSecond = 1): () => Date {
  return () => new Date(start + (realNow() - start) * 86_400 * daysPerSecond);
}
