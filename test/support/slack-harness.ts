/**
 * The real Slack app (Bolt, HTTP receiver on port 0) wired to a fake Slack Web API, a real SQLite file
 * in a tmp dir and the real check(), for end-to-end tests and the benchmark. Loopback is let through the
 * address policy via config (CERT_DOCTOR_ALLOW), as an operator would. startSocketHarness() is the same
 * app in Socket Mode (SLACK_APP_TOKEN set, no signing secret) against a fake Socket Mode endpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatCore } from '../../src/chat/core.js';
import { Limiter } from '../../src/chat/limits.js';
import type { ChatCore, RunningApp, SlackAppDeps } from '../../src/chat/port.js';
import { startSlackApp } from '../../src/chat/slack/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { watchMetrics } from '../../src/scheduler/metrics.js';
import { watchContext } from '../../src/scheduler/wire.js';
import { type Db, openDb } from '../../src/store/db.js';
import { SqliteEventDedup } from '../../src/store/events.js';
import { SqliteIncidentStore } from '../../src/store/incidents.js';
import { SqlitePendingChecks } from '../../src/store/pending.js';
import type { LeaseStore, WatchContext } from '../../src/store/types.js';
import { type FakeSlack, startFakeSlack } from './fake-slack.js';
import { type FakeSocketMode, startFakeSocketMode } from './fake-socket-mode.js';
import { SlackRequester } from './slack-requests.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const APP_TOKEN = 'xapp-1-A1-1-test-app-token';

export interface HarnessOptions {
  /** PEM trust anchors for the loopback servers' test PKI */
  extraCaPem?: string[];
  env?: Record<string, string>;
  logLevel?: string;
  /** the probe entry point; default the real check() */
  check?: ChatCore['check'];
  /** told of request bursts (the pool's holdForPeople); default none */
  holdChecks?: ChatCore['holdChecks'];
  /** reuse a database file (restart tests); default a fresh tmp dir */
  dbPath?: string;
  /** wire watched endpoints (/cert watch, list, history, pause events, App Home) over the same database */
  watch?: boolean;
}

interface BaseHarness {
  fake: FakeSlack;
  app: RunningApp;
  config: Config;
  db: Db;
  store: SqliteIncidentStore;
  dbPath: string;
  /** the watch stores, when `watch` was asked for */
  watch?: WatchContext & { leases: LeaseStore };
  close(): Promise<void>;
}

export interface Harness extends BaseHarness {
  req: SlackRequester;
}

export interface SocketHarness extends BaseHarness {
  /** the Socket Mode endpoint the app connected to: deliver envelopes, read acks */
  socket: FakeSocketMode;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const fake = await startFakeSlack();
  const base = await startApp(fake, { SLACK_SIGNING_SECRET: SIGNING_SECRET, PORT: '0' }, opts, async () => {});
  const req = new SlackRequester(`http://127.0.0.1:${base.app.port}/slack/events`, SIGNING_SECRET, (id) =>
    fake.responseUrl(id),
  );
  return { ...base, req };
}

export async function startSocketHarness(opts: HarnessOptions = {}): Promise<SocketHarness> {
  const fake = await startFakeSlack();
  const socket = await startFakeSocketMode((id) => fake.responseUrl(id));
  fake.attachSocketMode(socket, APP_TOKEN);
  const base = await startApp(fake, { SLACK_APP_TOKEN: APP_TOKEN }, opts, () => socket.close());
  return { ...base, socket };
}

/** Starts the real app against `fake`; close() stops it, then `closeTransport`, the fake and the database. */
async function startApp(
  fake: FakeSlack,
  transportEnv: Record<string, string>,
  opts: HarnessOptions,
  closeTransport: () => Promise<void>,
): Promise<BaseHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-slack-'));
  const dbPath = opts.dbPath ?? join(dir, 'cert-doctor.db');
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_API_URL: fake.apiUrl,
    ...transportEnv,
    CERT_DOCTOR_DB: dbPath,
    CERT_DOCTOR_ALLOW: '127.0.0.0/8',
    CERT_DOCTOR_TIMEOUT_MS: '5000',
    // The abuse limits are the router's (tested there); here they must not interfere with many checks.
    CERT_DOCTOR_CHECKS_PER_MINUTE: '10000',
    CERT_DOCTOR_MAX_PROBES: '256',
    LOG_LEVEL: opts.logLevel ?? 'silent',
    ...opts.env,
  });
  const db = openDb(config.dbPath);
  const clock = () => new Date();
  const store = new SqliteIncidentStore(db);
  const core: ChatCore = {
    ...chatCore(config, opts.extraCaPem ?? []),
    ...(opts.check ? { check: opts.check } : {}),
    ...(opts.holdChecks ? { holdChecks: opts.holdChecks } : {}),
  };
  const deps: SlackAppDeps = {
    core,
    store,
    events: new SqliteEventDedup(db, { clock }),
    pending: new SqlitePendingChecks(db),
    limits: new Limiter({ ...config.limits, clock }),
    log: createLogger({ level: config.logLevel, pretty: false }),
    clock,
  };
  const watch = opts.watch ? watchContext(db, { sweepEveryMs: config.sweepEveryMs, cap: config.watchCap }) : undefined;
  if (watch) {
    deps.watch = watch;
    const metrics = watchMetrics(watch, clock);
    deps.metrics = async () => ({ contentType: metrics.contentType, body: await metrics.render() });
  }
  const app = await startSlackApp(config, deps);
  return {
    fake,
    app,
    config,
    db,
    store,
    dbPath,
    ...(watch ? { watch } : {}),
    close: async () => {
      await app.stop();
      await closeTransport();
      await fake.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
