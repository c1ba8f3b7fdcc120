/**
 * `cert-doctor start` / `npm start`: the shell bot when no Slack tokens are configured, the Slack app
 * otherwise. Takes its I/O as parameters; returns the exit code (3 on a configuration problem).
 */
import { setFlagsFromString } from 'node:v8';
import { chatCore } from './chat/core.js';
import { Limiter } from './chat/limits.js';
import type { SlackAppDeps, StartSlackApp } from './chat/port.js';
import { startShell } from './chat/shell/index.js';
import { SHELL_CHANNEL } from './chat/shell/port.js';
import { ShellReminderSink } from './chat/shell/reminder-sink.js';
import { SlackStartError } from './chat/slack/identity.js';
import { type Config, ConfigError, loadConfig, readEnv } from './config.js';
import { createLogger, type Logger } from './log.js';
import { createCheckPool, defaultPoolSize } from './pool/index.js';
import { guardProcess } from './process-guard.js';
import { FileInputError, readRegularFile } from './read-file.js';
import type { Scheduler } from './scheduler/index.js';
import type { MetricsEndpoint } from './scheduler/metrics.js';
import type { ReminderSink } from './scheduler/sink.js';
import { createScheduler, demoClock, watchContext } from './scheduler/wire.js';
import { openDb } from './store/db.js';
import { SqliteEventDedup } from './store/events.js';
import { SqliteIncidentStore } from './store/incidents.js';
import { SqlitePendingChecks } from './store/pending.js';

/**
 * The bot runs for months with about 20 MiB live on its main thread, yet V8 lets a heap grow to up to 4 times
 * its live size between full collections (its factor for heaps allowed past 2 GiB: the main thread's default).
 * 1.4, the factor the pool's threads already get from their heap cap (pool/index.ts), is set here for every
 * heap of the process: a heuristic read at each collection, not a limit, so no input can fail on it (issue 8:
 * the bot's peak RSS while sweeping 10,000 endpoints, bench/sweep.ts --bot). Node documents flags changed
 * after start-up as possibly without effect; on Node 20 it takes effect (bench figures in the note).
 */
function boundHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=40');
}

export interface StartIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** resolves when the process is asked to stop (SIGINT/SIGTERM); default: those signals */
  stopSignal?: Promise<void>;
}

/** `cwd`: where `.env` is looked for (default: the process's). */
export async function start(
  io: StartIo,
  env: Record<string, string | undefined>,
  opts: { cwd?: string } = {},
): Promise<number> {
  let config: Config;
  let extraCaPem: string[];
  try {
    config = loadConfig(readEnv(env, opts.cwd));
    extraCaPem = config.caPath ? [await readCa(config.caPath)] : [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`cert-doctor: ${err.message}\n`);
    return 3;
  }
  const log = createLogger({ level: config.logLevel, stream: io.stderr });
  const db = openDb(config.dbPath);
  const clock = () => new Date();
  const events = new SqliteEventDedup(db, { clock });
  events.prune();
  boundHeapGrowth();
  // Checks run in worker threads: no host can hold up an ack, the shell prompt or another person's check.
  const pool = createCheckPool({
    size: config.workers ?? Math.min(defaultPoolSize(), config.limits.maxConcurrentProbes),
    priority: config.workerPriority,
    sweepPerThread: config.sweepPerThread,
  });
  const store = new SqliteIncidentStore(db);
  // The demo shortens every interval: sweeps every 5 s on a clock that runs a day per second.
  const watch = watchContext(db, { sweepEveryMs: config.demo ? 5_000 : config.sweepEveryMs, cap: config.watchCap });
  const deps: SlackAppDeps = {
    core: chatCore(config, extraCaPem, pool),
    store,
    pending: new SqlitePendingChecks(db),
    events,
    limits: new Limiter({ ...config.limits, clock }),
    log,
    clock,
    watch,
  };
  // prom-client loads on the first GET /metrics (HTTP mode only), not at every start of the shell or the bot.
  let metrics: MetricsEndpoint | undefined;
  deps.metrics = async () => {
    metrics ??= (await import('./scheduler/metrics.js')).watchMetrics(watch, clock);
    return { contentType: metrics.contentType, body: await metrics.render() };
  };
  let scheduler: Scheduler | undefined;
  const startScheduler = (sink: ReminderSink) => {
    scheduler = createScheduler({
      watch,
      core: deps.core,
      sink,
      clock: config.demo ? demoClock(Date.now()) : clock,
      log,
      // as many sweep checks in flight as the pool's sweep threads run at once (8 at least, the default)
      extra: { concurrency: Math.max(8, pool.sweepSlots), ...(config.demo ? { tickMs: 1000 } : {}) },
    });
    scheduler.start();
  };
  const unguard = guardProcess(log);
  try {
    if (config.mode === 'shell') {
      await runShell(io, deps, env.USER || env.USERNAME || 'shell', startScheduler);
    } else await runSlack(io, config, deps, log, startScheduler);
    return 0;
  } catch (err) {
    if (!(err instanceof SlackStartError)) throw err;
    io.stderr.write(`cert-doctor: ${err.message}\n`);
    return err.kind === 'refused' ? 3 : 1;
  } finally {
    await scheduler?.stop();
    unguard();
    await pool.close();
    db.close();
  }
}

async function runShell(
  io: StartIo,
  deps: SlackAppDeps,
  userId: string,
  startScheduler: (sink: ReminderSink) => void,
): Promise<void> {
  const session = startShell({
    // numbering continues after earlier runs: "#1" again collided with a stored incident (UNIQUE channel, ts)
    lastRef: await deps.store.lastNumericTs(SHELL_CHANNEL),
    ...(deps.pending ? { pending: deps.pending } : {}),
    input: io.stdin,
    output: io.stdout,
    core: deps.core,
    store: deps.store,
    clock: deps.clock,
    limits: deps.limits,
    ...(deps.watch ? { watch: deps.watch } : {}),
    userId,
    onError: (err) => deps.log.error({ err }, 'handler failed'),
  });
  // reminders are written through the session's console, above the prompt and whatever is being typed
  startScheduler(new ShellReminderSink(session.out));
  await session.done;
}

async function runSlack(
  io: StartIo,
  config: Config,
  deps: SlackAppDeps,
  log: Logger,
  startScheduler: (sink: ReminderSink) => void,
): Promise<void> {
  // The Slack transport is src/chat/slack/app.ts; loaded only in Slack modes so the shell never pays for Bolt.
  // Literal specifiers: the bundler (bin/build.mjs) turns each into its own chunk; a computed one would be
  // left as a path that does not exist in dist/.
  const { startSlackApp } = (await import('./chat/slack/app.js')) as { startSlackApp: StartSlackApp };
  const app = await startSlackApp(config, deps);
  const { SlackReminderSink, reminderClient } = await import('./chat/slack/reminder-sink.js');
  startScheduler(new SlackReminderSink(reminderClient(config)));
  log.info({ mode: config.mode, port: app.port }, 'cert-doctor connected to Slack');
  await (io.stopSignal ?? processStop());
  await app.stop();
}

function processStop(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** CERT_DOCTOR_CA: a regular file within the size cap (src/read-file.ts), else one configuration line. */
async function readCa(path: string): Promise<string> {
  try {
    return (await readRegularFile(path, { what: 'CERT_DOCTOR_CA file' })).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileInputError)) throw err;
    throw new ConfigError([`CERT_DOCTOR_CA: ${err.message}`]);
  }
}
