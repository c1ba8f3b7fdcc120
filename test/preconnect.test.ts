/**
 * Issue 12: a one-shot `cert-doctor check` opens its main handshake's TCP connection before it loads the
 * program (src/cli-preconnect.ts, src/probe/preconnect.ts). Whole-process runs of the launcher from a scratch
 * install against a loopback TLS server that counts the connections it accepts: the connection is opened
 * first and used by the main handshake, the findings and the connection count are those of a run without it
 * (CERT_DOCTOR_PRECONNECT=0), and input the check refuses (a broken --ca, a bad option, an address the policy
 * refuses) connects nothing at all.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { scratchInstall, servedChain } from './support/install.js';
import { closedPort, type Running } from './support/servers.js';

const execFileP = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-preconnect-'));
const root = join(dir, 'install');
let server: Running & { server: Server };
let caFile: string;
let accepted = 0;

before(async () => {
  await scratchInstall(root);
  const served = await servedChain(dir);
  server = served.server as Running & { server: Server };
  caFile = served.caFile;
  server.server.on('connection', () => accepted++);
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  steps: string[];
  connections: number;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const before = accepted;
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      join(root, 'bin/cert-doctor'),
      args,
      { env: { ...process.env, CERT_DOCTOR_TRACE: '1', NO_COLOR: '1', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
  // connections are counted as the server accepts them: give the last close a moment to be seen
  await new Promise((resolve) => setTimeout(resolve, 50));
  const steps = r.stderr
    .split('\n')
    .flatMap((l) => (l.startsWith('trace ') ? [l.replace(/^trace .* ms {2}/, '')] : []));
  return { ...r, steps, connections: accepted - before };
}

const codes = (r: Run) => {
  const d = JSON.parse(r.stdout) as { verdict: string; findings: { code: string }[] };
  return `${d.verdict}: ${d.findings.map((f) => f.code).sort()}`;
};

test('the main handshake rides the connection opened before the program loaded; same findings and connections', async () => {
  const args = ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  await run(args); // writes the code caches, as a user's first run after a build does
  const early = await run(args);
  const plain = await run(args, { CERT_DOCTOR_PRECONNECT: '0' });
  const at = (r: Run, prefix: string) => r.steps.findIndex((s) => s.startsWith(prefix));
  assert.ok(at(early, 'preconnect: connecting 127.0.0.1 port') >= 0, early.stderr);
  assert.ok(at(early, 'preconnect: connecting') < at(early, 'bin: bundle loaded'), early.stderr);
  assert.ok(at(early, 'bin: bundle loaded') < at(early, 'tls: connected (SNI localhost'), early.stderr);
  assert.equal(at(plain, 'preconnect: connecting'), -1, plain.stderr);
  assert.equal(early.code, plain.code);
  assert.equal(codes(early), codes(plain));
  assert.equal(early.connections, plain.connections, 'no connection more than the check makes by itself');
  const report = JSON.parse(early.stdout) as { endpoints: { handshake: { status: string } }[] };
  assert.equal(report.endpoints[0]?.handshake.status, 'completed');
  // the scan's three first probes ride early connections too, each taken once
  assert.deepEqual(opened(early), { offered: 4, taken: 4 }, early.stderr);
  assert.deepEqual(opened(plain), { offered: 0, taken: 0 }, plain.stderr);
});

/** Early connections the launcher opened, and how many of them the probe took. */
function opened(r: Run): { offered: number; taken: number } {
  const line = r.steps.find((s) => s.startsWith('preconnect: connecting'));
  const offered = line === undefined ? 0 : Number(/\((\d+) connections\)/.exec(line)?.[1]);
  return { offered, taken: r.steps.filter((s) => s.startsWith('preconnect: taken')).length };
}

test('an IP target (no no-SNI handshake): the same early connections, all taken, same connections', async () => {
  const args = ['check', `https://127.0.0.1:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  const early = await run(args);
  const plain = await run(args, { CERT_DOCTOR_PRECONNECT: '0' });
  assert.deepEqual(opened(early), { offered: 4, taken: 4 }, early.stderr);
  assert.equal(early.code, plain.code);
  assert.equal(codes(early), codes(plain));
  assert.equal(early.connections, plain.connections);
});

test('a broken --ca is the one-line error, with nothing connected', async () => {
  // a CERTIFICATE block whose base64 is fine and whose DER is not a certificate
  const broken = join(dir, 'broken.pem');
  const body = Buffer.from('not a certificate at all, just bytes').toString('base64');
  writeFileSync(broken, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  const r = await run(['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', broken]);
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('trace '));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /could not be parsed/);
  assert.equal(r.connections, 0, r.stderr);
  assert.equal(r.steps.filter((s) => s.startsWith('preconnect: connecting')).length, 0, r.stderr);
});

/** What the launcher's first step did with the --ca bundles, and whether node:crypto was loaded by its SYN. */
function caStep(r: Run): { ca: string | undefined; crypto: string | undefined } {
  return {
    ca: r.steps.find((s) => s.startsWith('preconnect: --ca '))?.slice('preconnect: --ca '.length),
    crypto: r.steps.find((s) => s.startsWith('preconnect: node:crypto '))?.slice('preconnect: node:crypto '.length),
  };
}

test('a --ca bundle that parsed in an earlier run connects without parsing again (no node:crypto before the SYN)', async () => {
  // a bundle no earlier test used: the same root, with a comment line of its own
  const ca = join(dir, 'memo-root.pem');
  writeFileSync(ca, `# memo test ${process.hrtime.bigint()}\n${readFileSync(caFile, 'utf8')}`);
  const args = ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', ca, '--json'];
  const first = await run(args);
  const second = await run(args);
  assert.deepEqual(caStep(first), { ca: 'parsing', crypto: 'loaded' }, first.stderr);
  assert.deepEqual(caStep(second), { ca: 'parsed in an earlier run', crypto: 'not loaded' }, second.stderr);
  const plain = await run(args, { CERT_DOCTOR_PRECONNECT: '0' });
  assert.equal(second.code, plain.code);
  assert.equal(codes(second), codes(plain));
  assert.equal(second.connections, plain.connections);
  assert.deepEqual(opened(second), { offered: 4, taken: 4 }, second.stderr);
  // no --ca at all: nothing to parse, and no node:crypto either
  const none = await run(['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--json']);
  assert.deepEqual(caStep(none), { ca: 'none', crypto: 'not loaded' }, none.stderr);
  // without caches (CERT_DOCTOR_CODE_CACHE=0) there is no memo either: parsed every time
  assert.equal(caStep(await run(args, { CERT_DOCTOR_CODE_CACHE: '0' })).ca, 'parsing');
});

test('the same --ca file rewritten into one that does not parse: parsed again, the one-line error, nothing connected', async () => {
  const ca = join(dir, 'memo-then-broken.pem');
  writeFileSync(ca, readFileSync(caFile));
  const args = ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', ca];
  await run(args);
  assert.equal(caStep(await run(args)).ca, 'parsed in an earlier run');
  const body = Buffer.from('not a certificate at all, just bytes').toString('base64');
  writeFileSync(ca, `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
  const r = await run(args);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(caStep(r).ca, 'parsing');
  assert.match(r.stderr, /could not be parsed/);
  assert.equal(r.connections, 0, r.stderr);
});

test('a damaged memo is ignored: the bundle is parsed, the check runs as usual, the memo is rewritten', async () => {
  const args = ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  await run(args);
  const cache = join(root, 'dist/.cache');
  const memos = readdirSync(cache).filter((f) => f.startsWith('ca-parsed-'));
  assert.equal(memos.length, 1, String(memos));
  for (const junk of ['', '{"not":"a list"}', '[1,2', '\u0000\u0001']) {
    writeFileSync(join(cache, memos[0]!), junk);
    const r = await run(args);
    assert.equal(caStep(r).ca, 'parsing', JSON.stringify(junk));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(caStep(await run(args)).ca, 'parsed in an earlier run', JSON.stringify(junk));
  }
});

test('an option the check refuses connects nothing', async () => {
  const target = `https://localhost:${server.port}/`;
  for (const bad of [
    ['--allow', '127.0.0.0/99'],
    ['--timeout', '5'],
    ['--warn-days', '5', '--crit-days', '9'],
    ['--http', '--no-http'],
    ['--nonsense'],
  ]) {
    const r = await run(['check', target, '--allow', '127.0.0.0/8', ...bad, '--ca', caFile]);
    assert.equal(r.code, 3, `${bad}: ${r.stderr}`);
    assert.equal(r.connections, 0, `${bad}: ${r.stderr}`);
  }
});

test('an address the policy refuses is never connected to, early or late', async () => {
  // no --allow: loopback is refused (address_blocked, exit 3)
  const r = await run(['check', `https://localhost:${server.port}/`, '--ca', caFile, '--json']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(codes(r), /address_blocked/);
  assert.equal(r.connections, 0);
});

test('an early connection that fails is not used: the check connects again and reports what it meets', async () => {
  // a loopback port nobody listens on: the early connect is refused before the program has loaded
  const closed = await closedPort();
  const args = ['check', `https://localhost:${closed}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  const early = await run(args);
  const plain = await run(args, { CERT_DOCTOR_PRECONNECT: '0' });
  assert.ok(
    early.steps.some((s) => s.startsWith(`preconnect: connecting 127.0.0.1 port ${closed}`)),
    early.stderr,
  );
  assert.equal(early.code, plain.code);
  assert.equal(codes(early), codes(plain));
  assert.match(codes(early), /connection_refused/);
});

test('a check ends its process early only once its output is out: a slow reader of 100+ KB gets all of it', async () => {
  const target = `https://localhost:${server.port}/`;
  const args = ['check', ...Array(6).fill(target), '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  // the reader starts a second late: the pipe (64 KiB) fills and the rest of the output waits in the process
  const line = [join(root, 'bin/cert-doctor'), ...args].map((a) => `'${a}'`).join(' ');
  const { stdout } = await execFileP('/bin/sh', ['-c', `${line} | (sleep 1; cat)`], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.ok(stdout.length > 100_000, `${stdout.length} bytes`);
  assert.equal((JSON.parse(stdout) as unknown[]).length, 6);
});
