/**
 * Issue 12, compiled start-up: the installed program (bin/ + dist/ as `npm install` builds it) runs compiled
 * JavaScript, never tsx; `--help` loads no package at all; a check loads neither undici nor @peculiar/x509
 * (only AIA fetching needs them) nor the bot's Bolt, pino or SQLite; and nothing the check opened keeps
 * the process alive once it is done. A fresh build in a temporary copy is what is run, so a stale dist/
 * cannot pass for the sources.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { scratchInstall, servedChain } from './support/install.js';
import type { Running } from './support/servers.js';

const exec = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const hook = join(repo, 'test/support/module-log.mjs');
let dir: string;
let server: Running;
let caFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cert-doctor-install-'));
  await scratchInstall(dir);
  ({ server, caFile } = await servedChain(dir));
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the installed program with the module log on; returns its exit code, output and the modules it loaded. */
async function run(args: string[], name: string) {
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const env: NodeJS.ProcessEnv = { ...process.env, MODULE_LOG: log, NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('CERT_DOCTOR_') || k.startsWith('SLACK_')) delete env[k];
  const out = await exec(process.execPath, ['--import', hook, join(dir, 'bin/cert-doctor.mjs'), ...args], {
    cwd: dir,
    env,
    timeout: 30_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '' }),
  );
  const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { ...out, modules, packages: packagesOf(modules) };
}

/** Package names among loaded file URLs (node_modules/<name> or node_modules/@scope/<name>). */
function packagesOf(urls: string[]): string[] {
  const names = new Set<string>();
  for (const url of urls) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

test('--help loads no package and no TypeScript', async () => {
  const r = await run(['--help'], 'help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^cert-doctor — /);
  assert.deepEqual(r.packages, []);
  assert.deepEqual(
    r.modules.filter((u) => u.startsWith('file:') && !u.startsWith(`file://${dir}/`)),
    [],
    'every file loaded is the installed copy',
  );
  assert.ok(!r.modules.some((u) => u.endsWith('.ts')), 'no TypeScript source at run time');
});

test('a check loads no tsx, undici, @peculiar/x509, Bolt, pino or SQLite, and exits with its verdict', async () => {
  const r = await run(
    ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'],
    'check',
  );
  const verdict = (JSON.parse(r.stdout) as { verdict: string }).verdict;
  assert.equal(verdict, 'ok');
  assert.equal(r.code, 0);
  const heavy = ['tsx', 'undici', '@peculiar/x509', '@slack/bolt', 'pino', 'pino-pretty', 'better-sqlite3'];
  assert.deepEqual(
    r.packages.filter((p) => heavy.includes(p)),
    [],
  );
  assert.ok(!r.modules.some((u) => u.endsWith('.ts')), 'no TypeScript source at run time');
});

test('nothing a check opened is left holding the event loop when main() returns', async () => {
  const script = `
    const { main } = await import(${JSON.stringify(join(dir, 'dist/cli.js'))});
    const sink = { write() { return true; } };
    const code = await main(process.argv.slice(1), { stdout: sink, stderr: sink, stdin: process.stdin, env: {} });
    // destroy() closes handles on the next turns of the loop; a leak is what is still there after them
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
    const left = process.getActiveResourcesInfo().filter((r) => !['TTYWrap', 'PipeWrap', 'FSReqCallback'].includes(r));
    process.stdout.write(JSON.stringify({ code, left }));
    process.exit(0);`;
  const { stdout } = await exec(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      'check',
      `https://localhost:${server.port}/`,
      '--allow',
      '127.0.0.0/8',
      '--ca',
      caFile,
    ],
    { cwd: dir, timeout: 30_000 },
  );
  const { code, left } = JSON.parse(stdout) as { code: number; left: string[] };
  assert.equal(code, 0);
  assert.deepEqual(left, [], 'sockets or timers still open after the check');
});
