/**
 * The real process, started the way an operator starts it, on one database: `npm start` twice (the shell
 * bot's second start crashed on UNIQUE(channel, ts)), and kill -9 while a check is in flight, in the shell
 * and in Slack (HTTP mode against the fake Web API): the next start says the check was interrupted, in place.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDb } from '../src/store/db.js';
import { type FakeSlack, hasBlockId, startFakeSlack } from './support/fake-slack.js';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';
import { SIGNING_SECRET } from './support/slack-harness.js';
import { SlackRequester } from './support/slack-requests.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-restart-'));
let tls: Running;
let silent: net.Server;
let silentPort: number;
before(async () => {
  const chain = await makeChain();
  tls = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  // accepts and never answers: a check of it stays "Checking…" until its deadline
  silent = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as net.AddressInfo).port;
});
after(async () => {
  await tls.close();
  silent.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of a fresh shell: no Slack variables from the developer's own. */
function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_')));
  return { ...base, LOG_LEVEL: 'warn', CERT_DOCTOR_ALLOW: '127.0.0.1', NO_COLOR: '1', ...extra };
}

interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function run(cmd: string, args: string[], e: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { cwd: dir, env: e, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c));
  child.stderr!.on('data', (c: Buffer) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

async function until(pred: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pendingTs(dbPath: string): string[] {
  const handle = openDb(dbPath);
  try {
    return (handle.prepare('SELECT ts FROM pending_checks').all() as { ts: string }[]).map((r) => r.ts);
  } finally {
    handle.close();
  }
}

const npmStart = (e: NodeJS.ProcessEnv) => run('npm', ['start', '--silent', '--prefix', root], e);

test('npm start twice on one database: the second run checks and numbers its messages after the first', async () => {
  const db = join(dir, 'twice.db');
  const refs: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const p = npmStart(env({ CERT_DOCTOR_DB: db }));
    p.child.stdin!.write(`check localhost:${tls.port}\n`);
    await until(() => /Incident #\d+ open/.test(p.out()), 'the diagnosis', 60_000);
    p.child.stdin!.end('exit\n');
    assert.equal(await p.exited, 0, p.err());
    assert.doesNotMatch(p.err(), /SqliteError|UNIQUE|at .*\.ts:\d+/, p.err());
    refs.push([...p.out().matchAll(/^#(\d+) /gm)].map((m) => m[1]!));
  }
  assert.ok(refs[0]!.length > 0 && refs[1]!.length > 0, JSON.stringify(refs));
  const firstMax = Math.max(...refs[0]!.map(Number));
  assert.ok(Math.min(...refs[1]!.map(Number)) > firstMax, `second run reused refs: ${JSON.stringify(refs)}`);
  const handle = openDb(db);
  try {
    const n = handle.prepare("SELECT COUNT(*) AS n FROM incidents WHERE channel = 'shell'").get() as { n: number };
    assert.equal(n.n, 2);
  } finally {
    handle.close();
  }
});

test('shell: kill -9 during a check; the next start reports that check as interrupted and forgets it', async () => {
  const db = join(dir, 'killed-shell.db');
  const e = env({ CERT_DOCTOR_DB: db, CERT_DOCTOR_TIMEOUT_MS: '60000' });
  const first = run(process.execPath, [join(root, 'bin/cert-doctor.mjs'), 'start'], e);
  first.child.stdin!.write(`check 127.0.0.1:${silentPort}\n`);
  await until(() => /#\d+ .*Checking/.test(first.out()) && pendingTs(db).length === 1, '"Checking…"', 60_000);
  first.child.kill('SIGKILL');
  await first.exited;
  const second = run(process.execPath, [join(root, 'bin/cert-doctor.mjs'), 'start'], e);
  second.child.stdin!.end('exit\n');
  assert.equal(await second.exited, 0, second.err());
  assert.match(second.out(), new RegExp(`#1 ✗ the check of 127\\.0\\.0\\.1:${silentPort} .*was interrupted`));
  const third = run(process.execPath, [join(root, 'bin/cert-doctor.mjs'), 'start'], e);
  third.child.stdin!.end('exit\n');
  await third.exited;
  assert.doesNotMatch(third.out(), /interrupted/, 'reported once, then forgotten');
});

test('Slack: kill -9 during a check; the next start updates that "Checking…" message in place', async () => {
  const fake: FakeSlack = await startFakeSlack();
  try {
    const db = join(dir, 'killed-slack.db');
    const e = env({
      CERT_DOCTOR_DB: db,
      CERT_DOCTOR_TIMEOUT_MS: '60000',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    const first = run(process.execPath, [join(root, 'bin/cert-doctor.mjs'), 'start'], e);
    await until(() => /"port":\d+/.test(first.err()), 'the HTTP receiver', 60_000);
    const port = /"port":(\d+)/.exec(first.err())![1];
    const req = new SlackRequester(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, (id) =>
      fake.responseUrl(id),
    );
    assert.equal((await req.command({ text: `check 127.0.0.1:${silentPort}`, channel: 'C-crash' })).status, 200);
    const posted = await fake.waitFor('chat.postMessage', (c) => c.args.channel === 'C-crash', 30_000);
    const ts = String(posted.response.ts);
    // the bot records the message once Slack has answered the post; kill it after that, mid-check
    await until(() => pendingTs(db).includes(ts), 'the pending_checks row');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = run(process.execPath, [join(root, 'bin/cert-doctor.mjs'), 'start'], e);
    try {
      // the first process may have updated the message with progress phases before it was killed: wait for the
      // second process's update, the one that says the check was interrupted
      const updated = await fake.waitFor(
        'chat.update',
        (c) => c.args.ts === ts && /interrupted/.test(String(c.args.text)),
        30_000,
      );
      assert.equal(updated.args.channel, 'C-crash');
      assert.ok(hasBlockId('notice:check_failed')(updated) || /interrupted/.test(String(updated.args.text)));
      assert.match(String(updated.args.text), /interrupted/);
      await until(() => pendingTs(db).length === 0, 'the row to be forgotten');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  } finally {
    await fake.close();
  }
});
