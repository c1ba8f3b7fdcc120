/**
 * Issue 12: one-shot commands run dist/cli-bundle.cjs through a V8 code cache (bin/code-cache.cjs). The cache
 * is written after a first run and used by the next; a corrupt, truncated or foreign cache is ignored (the
 * command's result is the same) and replaced; a rebuilt bundle never runs with an older build's cache; an
 * unwritable cache directory costs nothing but the cache. And the bundle gives the same diagnosis as the
 * ES module build the bot runs. A fresh install copy is built, as in startup.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const exec = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let cacheDir: string;
let server: Running;
let caFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cert-doctor-code-cache-'));
  mkdirSync(join(dir, 'bin'));
  for (const f of ['bin/cert-doctor.mjs', 'bin/cert-doctor.cjs', 'bin/code-cache.cjs', 'package.json'])
    copyFileSync(join(repo, f), join(dir, f));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  await exec(process.execPath, [join(repo, 'bin/build.mjs'), '--outdir', join(dir, 'dist')], { timeout: 60_000 });
  cacheDir = join(dir, 'cache');
  const chain = await makeChain();
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, chain.root.pem);
  server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
});
after(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  /** what bin/cert-doctor.cjs reported about the cache (CERT_DOCTOR_TRACE), or null when the bundle did not run */
  cache: string | null;
}

async function run(args: string[], over: Record<string, string> = {}, nodeFlags: string[] = []): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CERT_DOCTOR_CACHE_DIR: cacheDir, ...over };
  env.CERT_DOCTOR_TRACE = '1';
  const r = await exec(process.execPath, [...nodeFlags, join(dir, 'bin/cert-doctor.mjs'), ...args], {
    cwd: dir,
    env,
    timeout: 30_000,
  })
    .then((x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }))
    .catch((e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }));
  const m = /bin: bundle loaded \(code cache (\w+)\)/.exec(r.stderr);
  return { code: r.code, stdout: r.stdout, cache: m?.[1] ?? null };
}

const cacheFiles = (kind: string) => readdirSync(cacheDir).filter((f) => f.startsWith(`cli-${kind}-`));

const expectedVersion = `cert-doctor ${JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version}\n`;

test('first run writes the cache, the next uses it, with the same output', async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  const first = await run(['--version']);
  assert.deepEqual(first, { code: 0, stdout: expectedVersion, cache: 'none' });
  assert.equal(cacheFiles('other').length, 1);
  const second = await run(['--version']);
  assert.deepEqual(second, { code: 0, stdout: expectedVersion, cache: 'used' });
});

test('a corrupt, truncated or foreign cache is ignored and replaced; the result is unchanged', async () => {
  await run(['--version']);
  const [name] = cacheFiles('other');
  const path = join(cacheDir, name!);
  const good = readFileSync(path);
  const flipped = Buffer.from(good);
  flipped[flipped.length >> 1]! ^= 0xff;
  // a checksum that matches, over V8 data made for another script: V8's own check refuses it
  const foreign = new vm.Script('1 + 1').createCachedData();
  const { createHash } = await import('node:crypto');
  const foreignFile = Buffer.concat([createHash('sha1').update(foreign).digest(), foreign]);
  for (const [what, bytes] of [
    ['flipped byte', flipped],
    ['truncated', good.subarray(0, 1000)],
    ['empty', Buffer.alloc(0)],
    ['foreign', foreignFile],
  ] as const) {
    writeFileSync(path, bytes);
    assert.deepEqual(await run(['--version']), { code: 0, stdout: expectedVersion, cache: 'rejected' }, what);
    assert.deepEqual(
      await run(['--version']),
      { code: 0, stdout: expectedVersion, cache: 'used' },
      `${what}: replaced`,
    );
  }
});

test('a rebuilt bundle starts without the old cache and the old one is removed', async () => {
  await run(['--version']);
  const old = cacheFiles('other');
  appendFileSync(join(dir, 'dist/cli-bundle.cjs'), '\n// rebuilt\n');
  const r = await run(['--version']);
  assert.deepEqual(r, { code: 0, stdout: expectedVersion, cache: 'none' });
  const now = cacheFiles('other');
  assert.equal(now.length, 1);
  assert.notDeepEqual(now, old);
});

test('runs with other node flags keep their own cache instead of replacing each other', async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  const flags = ['--stack-size=2000'];
  await run(['--version']);
  await run(['--version'], {}, flags);
  const both = [await run(['--version']), await run(['--version'], {}, flags)];
  assert.deepEqual(
    both.map((r) => r.cache),
    ['used', 'used'],
  );
  assert.equal(cacheFiles('other').length, 2, cacheFiles('other').join(' '));
});

test('an unwritable cache directory, or CERT_DOCTOR_CODE_CACHE=0, only costs the cache', async () => {
  const blocker = join(dir, 'not-a-dir');
  writeFileSync(blocker, '');
  const r1 = await run(['--version'], { CERT_DOCTOR_CACHE_DIR: join(blocker, 'cache') });
  const r2 = await run(['--version'], { CERT_DOCTOR_CACHE_DIR: join(blocker, 'cache') });
  assert.deepEqual(
    [r1, r2],
    [
      { code: 0, stdout: expectedVersion, cache: 'none' },
      { code: 0, stdout: expectedVersion, cache: 'none' },
    ],
  );
  const off = join(dir, 'off');
  const r3 = await run(['--version'], { CERT_DOCTOR_CACHE_DIR: off, CERT_DOCTOR_CODE_CACHE: '0' });
  assert.deepEqual(r3, { code: 0, stdout: expectedVersion, cache: 'none' });
  assert.throws(() => readdirSync(off), /ENOENT/);
});

test('the bundle, cached or not, diagnoses like the ES module build the bot runs', async () => {
  const args = ['check', `https://localhost:${server.port}/`, '--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  const esm = `const { main } = await import(${JSON.stringify(join(dir, 'dist/cli.js'))});
    process.exitCode = await main(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });`;
  const viaEsm = await exec(process.execPath, ['--input-type=module', '-e', esm, ...args], {
    cwd: dir,
    timeout: 30_000,
  });
  const summary = (json: string) => {
    const d = JSON.parse(json) as { verdict: string; findings: { code: string; certIndex: number | null }[] };
    return { verdict: d.verdict, findings: d.findings.map((f) => `${f.code}@${f.certIndex}`).sort() };
  };
  const expected = summary(viaEsm.stdout);
  assert.ok(expected.findings.length > 0, 'the check produced findings to compare');
  rmSync(cacheDir, { recursive: true, force: true });
  const cold = await run(args);
  const warm = await run(args);
  assert.deepEqual([cold.cache, warm.cache], ['none', 'used']);
  assert.equal(cold.code, 0);
  assert.deepEqual(summary(cold.stdout), expected);
  assert.deepEqual(summary(warm.stdout), expected);
  assert.equal(cacheFiles('check').length, 1, 'check has its own cache');
});

test('cacheDir: CERT_DOCTOR_CACHE_DIR, else dist/.cache when dist/ is writable, else the XDG cache directory', () => {
  const { cacheDir: where } = createRequire(import.meta.url)('../bin/code-cache.cjs') as {
    cacheDir(dist: string, env: NodeJS.ProcessEnv): string | null;
  };
  const dist = join(dir, 'dist');
  assert.equal(where(dist, { CERT_DOCTOR_CACHE_DIR: '/somewhere' }), '/somewhere');
  assert.equal(where(dist, {}), join(dist, '.cache'));
  // a dist/ we cannot write to (here: one that does not exist; root may write anywhere)
  assert.equal(where(join(dir, 'no-such-dist'), { XDG_CACHE_HOME: '/xdg' }), '/xdg/cert-doctor');
});
