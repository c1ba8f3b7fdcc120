/**
 * Watched-endpoint fixtures: many names served by one loopback TLS server through SNI (an injected
 * resolver sends every name to 127.0.0.1), certificates minted around an injected clock and swappable
 * per name (a renewal deployed), the stores over a real SQLite file, and a Slack reminder sink pointed
 * at the fake Slack.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { ChatCore } from '../../src/chat/port.js';
import { reminderClient, SlackReminderSink } from '../../src/chat/slack/reminder-sink.js';
import { check } from '../../src/check.js';
import type { Config } from '../../src/config.js';
import type { LookupFn } from '../../src/probe/resolve.js';
import { type Db, openDb } from '../../src/store/db.js';
import { SqliteLeaseStore } from '../../src/store/leases.js';
import { SqliteObservationStore } from '../../src/store/observations.js';
import { SqliteReminderStore } from '../../src/store/reminders.js';
import { SqliteSubscriptionStore } from '../../src/store/subscriptions.js';
import { SqliteSweepStore } from '../../src/store/sweep-batch.js';
import type { WatchContext } from '../../src/store/types.js';
import type { FakeSlack } from './fake-slack.js';
import { type Issued, makeCert, makeChain } from './pki.js';

export const DAY = 86_400_000;

export interface SniServer {
  port: number;
  /** trust anchors for check() */
  extraCaPem: string[];
  /** sends every name to 127.0.0.1 */
  lookup: LookupFn;
  /** serve a new leaf for `name` valid [notBefore, notAfter] from the next handshake on; returns its sha256 */
  serve(name: string, notBefore: Date, notAfter: Date): Promise<string>;
  /** sha256 of the leaf served for `name` */
  fingerprint(name: string): string;
  /** serve `name`'s leaf with (true) or without (false: a bad deploy, chain_incomplete) its intermediate */
  setChain(name: string, full: boolean): void;
  close(): Promise<void>;
}

/** One TLS server for many names; each name's certificate can be replaced in place. */
export async function startSniServer(names: string[], now: Date, validDays = 90): Promise<SniServer> {
  const chain = await makeChain({}, now);
  const issuer = chain.intermediates[0]!;
  const contexts = new Map<string, { ctx: tls.SecureContext; leaf: Issued }>();
  const serve = async (name: string, notBefore: Date, notAfter: Date) => {
    const leaf = await makeCert({ subject: `CN=${name}`, dnsNames: [name], notBefore, notAfter }, issuer);
    const ctx = tls.createSecureContext({ cert: leaf.pem + issuer.pem, key: leaf.keyPem });
    contexts.set(name, { ctx, leaf });
    return leaf.info.sha256;
  };
  const setChain = (name: string, full: boolean) => {
    const entry = contexts.get(name)!;
    const cert = full ? entry.leaf.pem + issuer.pem : entry.leaf.pem;
    contexts.set(name, { leaf: entry.leaf, ctx: tls.createSecureContext({ cert, key: entry.leaf.keyPem }) });
  };
  // 90-day certificates (not short-lived), `validDays` of them left
  for (const name of names) {
    await serve(name, new Date(now.getTime() - (90 - validDays) * DAY), new Date(now.getTime() + validDays * DAY));
  }
  const first = contexts.get(names[0]!)!;
  // The default context holds no intermediate: OpenSSL would otherwise complete a leaf-only SNI context's
  // chain from it, and a bad deploy (setChain false) could not be staged.
  const server = tls.createServer({
    cert: first.leaf.pem,
    key: first.leaf.keyPem,
    SNICallback: (name, cb) => cb(null, (contexts.get(name.toLowerCase()) ?? first).ctx),
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  server.on('secureConnection', (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    extraCaPem: [chain.root.pem],
    lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    serve,
    setChain,
    fingerprint: (name) => contexts.get(name)!.leaf.info.sha256,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The in-process core: real check(), loopback allowed, the fixture's resolver and CA. */
export function sweepCore(server: Pick<SniServer, 'extraCaPem' | 'lookup'>): Pick<ChatCore, 'check' | 'checkDefaults'> {
  return {
    check: (input, opts) => check(input, { ...opts, lookup: server.lookup }),
    checkDefaults: { allow: ['127.0.0.0/8'], extraCaPem: server.extraCaPem, timeoutMs: 5000 },
  };
}

export type WatchStores = WatchContext & { leases: SqliteLeaseStore; db: Db };

export function watchStores(path: string, opts: { sweepEveryMs?: number; cap?: number } = {}): WatchStores {
  const db = openDb(path);
  const stores = {
    subscriptions: new SqliteSubscriptionStore(db),
    observations: new SqliteObservationStore(db),
    reminders: new SqliteReminderStore(db),
  };
  return {
    db,
    ...stores,
    sweeps: new SqliteSweepStore(db, stores),
    leases: new SqliteLeaseStore(db),
    sweepEveryMs: opts.sweepEveryMs ?? 6 * 3_600_000,
    cap: opts.cap ?? 500,
    random: () => 0.5,
  };
}

/** The production reminder client (no automatic retries, 429 rejected) pointed at the fake. */
export function fakeSlackSink(fake: Pick<FakeSlack, 'apiUrl'>): SlackReminderSink {
  const config = { slack: { botToken: 'xoxb-test-token', apiUrl: fake.apiUrl } } as Config;
  return new SlackReminderSink(reminderClient(config));
}

/** A settable clock. */
export function testClock(start: Date) {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
    set: (d: Date) => {
      t = d.getTime();
    },
  };
}
