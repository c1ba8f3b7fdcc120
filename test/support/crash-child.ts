/**
 * A scheduler process for the crash test: one tick against the database CRASH_DB, posting to the fake
 * Slack at CRASH_API, checking through the loopback server's CA (CRASH_CA) with every name sent to
 * 127.0.0.1. With CRASH_STEP set it dies with SIGKILL at the CRASH_N-th time it reaches that step (no
 * cleanup, no finally: as a power cut or an OOM kill would).
 */
import { readFileSync } from 'node:fs';
import { createLogger } from '../../src/log.js';
import { Scheduler } from '../../src/scheduler/index.js';
import { fakeSlackSink, sweepCore, watchStores } from './watch-fixture.js';

const env = process.env;
const now = new Date(env.CRASH_NOW!);
const stores = watchStores(env.CRASH_DB!);
const crashAt = env.CRASH_STEP;
let seen = 0;
const scheduler = new Scheduler({
  ...stores,
  core: sweepCore({
    extraCaPem: [readFileSync(env.CRASH_CA!, 'utf8')],
    lookup: async () => [{ address: '127.0.0.1', family: 4 }],
  }),
  sink: fakeSlackSink({ apiUrl: env.CRASH_API! }),
  clock: () => now,
  log: createLogger({ level: 'silent' }),
  sweepEveryMs: 6 * 3_600_000,
  random: () => 0.5,
  holder: `child-${process.pid}`,
  // the lease of a killed child must not block the restarted one for long; the test restarts at once
  leaseTtlMs: 1,
  onStep: (step) => {
    if (step === crashAt && ++seen === Number(env.CRASH_N ?? 1)) process.kill(process.pid, 'SIGKILL');
  },
});
const result = await scheduler.tick();
process.stdout.write(`${JSON.stringify(result)}\n`);
stores.db.close();
