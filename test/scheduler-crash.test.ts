/**
 * Exactly once across crashes: a scheduler process is SIGKILLed at each step of a sweep (after the
 * intents are recorded, after an attempt is counted, after Slack accepted a post but before it was
 * recorded, after it was recorded), then restarted against the same database and the same fake Slack.
 * Every reminder arrives exactly once, and a third run sends nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type FakeMessage, type FakeSlack, startFakeSlack } from './support/fake-slack.js';
import { type SniServer, startSniServer, watchStores } from './support/watch-fixture.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-crash-'));
const NOW = new Date('2026-03-01T00:00:00Z');
const NAMES = ['a.test', 'b.test', 'c.test'];
let server: SniServer;
let caFile: string;

before(async () => {
  // 5 days left on 90-day certificates: a 7-day threshold reminder each (30 and 14 collapsed into it)
  server = await startSniServer(NAMES, NOW, 5);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, server.extraCaPem.join(''));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

let runs = 0;

/** Each run 10 s after the last on the injected clock: the killed process's lease (TTL 1 ms) has expired. */
async function child(db: string, fake: FakeSlack, crash?: { step: string; n: number }) {
  const at = new Date(NOW.getTime() + ++runs * 10_000);
  fake.clock = () => at.getTime();
  const env = {
    ...process.env,
    CRASH_DB: db,
    CRASH_API: fake.apiUrl,
    CRASH_CA: caFile,
    CRASH_NOW: at.toISOString(),
    ...(crash ? { CRASH_STEP: crash.step, CRASH_N: String(crash.n) } : {}),
  };
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/support/crash-child.ts'], {
      env,
      timeout: 60_000,
    });
    return { killed: false, stdout };
  } catch (err) {
    const e = err as { signal?: string; stderr?: string };
    assert.equal(e.signal, 'SIGKILL', `the child failed otherwise: ${e.stderr}`);
    return { killed: true, stdout: '' };
  }
}

const keyOf = (m: FakeMessage) => (m.metadata?.event_payload as { key?: string } | undefined)?.key;

const STEPS: { step: string; n: number; why: string }[] = [
  { step: 'after_sweep', n: 1, why: 'intents recorded, nothing posted' },
  { step: 'before_attempt', n: 2, why: 'one posted, the second decided but not attempted' },
  { step: 'before_post', n: 2, why: 'the second attempt counted, not posted' },
  { step: 'after_post', n: 2, why: 'Slack has the second, the database does not know' },
  { step: 'after_sent', n: 3, why: 'all recorded, killed before the tick ended' },
];

for (const s of STEPS) {
  test(`killed at ${s.step} #${s.n} (${s.why}): restarted, every reminder arrives exactly once`, async () => {
    const db = join(dir, `${s.step}-${s.n}.db`);
    const fake = await startFakeSlack();
    fake.clock = () => NOW.getTime();
    try {
      const stores = watchStores(db);
      for (const [i, name] of NAMES.entries()) {
        await stores.subscriptions.add({
          channel: i < 2 ? 'C1' : 'C2',
          target: `${name}:${server.port}`,
          createdBy: 'U1',
          thresholds: [30, 14, 7, 3, 1],
          now: NOW,
          nextCheckAt: NOW,
          cap: 500,
        });
      }
      stores.db.close();
      const first = await child(db, fake, s);
      assert.equal(first.killed, true, 'the crash hook fired');
      const second = await child(db, fake);
      assert.equal(second.killed, false);
      await child(db, fake);

      const keys = fake.messages.map(keyOf);
      const expected = NAMES.map((n) => `threshold:${server.fingerprint(n)}:7`).sort();
      assert.deepEqual([...keys].sort(), expected, 'each reminder once, none lost');
      const check = watchStores(db);
      assert.equal((await check.reminders.pending()).length, 0, 'nothing left intended');
      check.db.close();
    } finally {
      await fake.close();
    }
  });
}

test('the restarted scheduler looked the maybe-posted reminder up instead of posting it again', async () => {
  const db = join(dir, 'lookup.db');
  const fake = await startFakeSlack();
  fake.clock = () => NOW.getTime();
  try {
    const stores = watchStores(db);
    await stores.subscriptions.add({
      channel: 'C1',
      target: `a.test:${server.port}`,
      createdBy: 'U1',
      thresholds: [7],
      now: NOW,
      nextCheckAt: NOW,
      cap: 500,
    });
    stores.db.close();
    await child(db, fake, { step: 'after_post', n: 1 });
    assert.equal(fake.messages.length, 1);
    await child(db, fake);
    assert.equal(fake.messages.length, 1, 'not posted again');
    const lookups = fake.callsOf('conversations.history');
    assert.equal(lookups.length, 1);
    assert.equal(lookups[0]!.args.include_all_metadata, 'true');
    const after = watchStores(db);
    const [sent] = await after.reminders.sent('1', 5);
    assert.equal(sent?.sentTs, fake.messages[0]!.ts, 'recorded with the ts Slack gave the lost post');
    after.db.close();
  } finally {
    await fake.close();
  }
});
