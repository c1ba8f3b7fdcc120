/**
 * A sweep's writes, a batch at a time. Per checked endpoint a sweep stores an observation, the reminders
 * owed as intents and the next check time; written one by one that is three commits, each an fsync
 * (synchronous=FULL, kept: an intent must be on disk before its post, src/scheduler/deliver.ts). One
 * transaction per batch makes it one fsync per batch. The same transaction forgets the ledger rows the policy
 * will never need again (src/scheduler/prune.ts), so the ledger a sweep reads stays the size of what is live. The aggregates' own prepared statements do the work
 * (observations.ts, reminders.ts, subscriptions.ts); this module only holds the transaction.
 *
 * A crash before a batch commits loses its observations and next-check times, not intents already
 * delivered: those subscriptions are still due and are checked again at the next start.
 */
import type { Db } from './db.js';
import type { SqliteObservationStore } from './observations.js';
import type { SqliteReminderStore } from './reminders.js';
import type { SqliteSubscriptionStore } from './subscriptions.js';
import type { SweepOutcome, SweepPolicy, SweepStore } from './types.js';

export class SqliteSweepStore implements SweepStore {
  #commit;

  constructor(
    db: Db,
    stores: {
      observations: SqliteObservationStore;
      reminders: SqliteReminderStore;
      subscriptions: SqliteSubscriptionStore;
    },
  ) {
    const { observations, reminders, subscriptions } = stores;
    this.#commit = db.transaction((outcomes: SweepOutcome[], policy: SweepPolicy): number => {
      const { history, decide, forget, carry } = policy;
      let intents = 0;
      for (const o of outcomes) {
        const sub = o.subscription;
        if (o.observation) {
          const earlier = observations.recentSync(sub.id, history);
          const observed = carry ? carry(earlier.at(-1), o.observation) : o.observation;
          const recent = [...earlier, observations.recordSync(observed)].slice(-history);
          const ledger = reminders.ledgerSync(sub.id);
          const owed = decide(sub, recent, ledger, o.checkedAt);
          if (owed.length > 0) intents += reminders.intendSync(sub.id, sub.channel, owed, o.checkedAt).length;
          if (forget) reminders.forgetSync(sub.id, forget(recent, ledger, o.checkedAt));
        }
        subscriptions.scheduleNextSync(sub.id, o.checkedAt, o.nextCheckAt);
      }
      return intents;
    });
  }

  async commit(outcomes: SweepOutcome[], policy: SweepPolicy): Promise<number> {
    return outcomes.length === 0 ? 0 : this.#commit(outcomes, policy);
  }
}
