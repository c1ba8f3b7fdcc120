/**
 * The CLI as monitoring runs it: the exit code of every verdict from the real executable (child process),
 * Nagios performance data on the first line, and several targets in one call (summary line per target,
 * exit code the worst).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from './support/cli-io.js';
import { makeChain } from './support/pki.js';
import { type Running, startSilent, startTlsServer } from './support/servers.js';

const DAY = 86_400_000;
const root = new URL('../', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-verdicts-'));
const open: Running[] = [];
const ports: Record<'ok' | 'warning' | 'critical' | 'refused', number> = { ok: 0, warning: 0, critical: 0, refused: 0 };
let ca = '';

before(async () => {
  const now = Date.now();
  const chains = {
    ok: await makeChain({ leaf: { notAfter: new Date(now + 80 * DAY) } }),
    warning: await makeChain({ leaf: { notAfter: new Date(now + 10 * DAY + 3_600_000) } }),
    critical: await makeChain({ leaf: { notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - 2 * DAY) } }),
  };
  ca = join(dir, 'roots.pem');
  writeFileSync(
    ca,
    Object.values(chains)
      .map((c) => c.root.pem)
      .join(''),
  );
  for (const [name, c] of Object.entries(chains)) {
    const s = await startTlsServer({
      certPem: c.fullchainPem,
      keyPem: c.leaf.keyPem,
      headers: { 'Strict-Transport-Security': 'max-age=63072000' },
    });
    open.push(s);
    ports[name as keyof typeof ports] = s.port;
  }
  const closed = await startSilent();
  ports.refused = closed.port;
  await closed.close();
});

after(() => Promise.all(open.map((s) => s.close())));

const base = (port: number) => [
  'check',
  `127.0.0.1:${port}`,
  '--ca',
  ca,
  '--allow',
  '127.0.0.0/8',
  '--timeout',
  '5000',
];

function spawnCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CERT_DOCTOR_')));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [new URL('bin/cert-doctor.mjs', root).pathname, ...args],
      { cwd: new URL('.', root).pathname, env: { ...env, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
    );
  });
}

test('every verdict has its exit code from the real executable: 0 ok, 1 warning, 2 critical, 3 unknown', async () => {
  const cases: [string, string[], number, string][] = [
    ['ok', base(ports.ok), 0, 'OK'],
    ['warning', base(ports.warning), 1, 'WARNING'],
    ['critical', base(ports.critical), 2, 'CRITICAL'],
    ['refused: nothing examined', base(ports.refused), 3, 'UNKNOWN'],
    ['blocked by the address policy', ['check', `127.0.0.1:${ports.ok}`, '--timeout', '5000'], 3, 'UNKNOWN'],
  ];
  const runs = await Promise.all(cases.map(([, args]) => spawnCli(args)));
  cases.forEach(([name, , code, label], i) => {
    const r = runs[i]!;
    assert.equal(r.code, code, `${name}: ${r.stderr || r.stdout.split('\n')[0]}`);
    assert.ok(r.stdout.startsWith(`${label} `), `${name}: ${r.stdout.split('\n')[0]}`);
  });
});

test('Nagios performance data on the first line: days left of the leaf, with the thresholds', async () => {
  const r = await runCli([...base(ports.warning), '--warn-days', '20', '--crit-days', '5']);
  assert.equal(r.code, 1, r.stdout);
  const first = r.stdout.split('\n')[0]!;
  const perf = first.slice(first.indexOf(' | ') + 3);
  const fields = Object.fromEntries(perf.split(' ').map((p) => p.split('=') as [string, string]));
  assert.equal(fields.days_left, '10;20;5');
  assert.match(fields.days_chain_elem1 ?? '', /^\d+;20;5$/);
  const none = await runCli(base(ports.refused));
  assert.ok(!none.stdout.split('\n')[0]!.includes(' | '), 'no certificate: no performance data');
});

test('several targets: one line each, checked concurrently, exit code the worst', async () => {
  const targets = join(dir, 'fleet.txt');
  writeFileSync(targets, `# the fleet\n127.0.0.1:${ports.warning}\n\n127.0.0.1:${ports.refused}  # retired\n`);
  const args = ['check', `127.0.0.1:${ports.ok}`, `127.0.0.1:${ports.critical}`, '--targets', targets];
  const r = await runCli([...args, '--ca', ca, '--allow', '127.0.0.0/8', '--timeout', '5000']);
  assert.equal(r.code, 2, r.stdout);
  const [head, ...rows] = r.stdout.trimEnd().split('\n');
  assert.match(head!, /^CRITICAL 4 targets: 1 critical, 1 warning, 1 unknown, 1 ok \| /);
  assert.deepEqual(
    rows.map((l) => l.trim().split(/\s+/).slice(0, 2)),
    [
      ['OK', `127.0.0.1:${ports.ok}`],
      ['CRITICAL', `127.0.0.1:${ports.critical}`],
      ['WARNING', `127.0.0.1:${ports.warning}`],
      ['UNKNOWN', `127.0.0.1:${ports.refused}`],
    ],
  );
  const json = await runCli([...args, '--ca', ca, '--allow', '127.0.0.0/8', '--timeout', '5000', '--json']);
  assert.equal(json.code, 2);
  assert.deepEqual(
    JSON.parse(json.stdout).map((d: { verdict: string }) => d.verdict),
    ['ok', 'critical', 'warning', 'unknown'],
  );
});

test('worst of warning and unknown is unknown; of ok and warning, warning', async () => {
  const common = ['--ca', ca, '--allow', '127.0.0.0/8', '--timeout', '5000'];
  const a = await runCli(['check', `127.0.0.1:${ports.warning}`, `127.0.0.1:${ports.refused}`, ...common]);
  assert.equal(a.code, 3, a.stdout);
  const b = await runCli(['check', `127.0.0.1:${ports.ok}`, `127.0.0.1:${ports.warning}`, ...common]);
  assert.equal(b.code, 1, b.stdout);
});
