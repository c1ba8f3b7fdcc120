/**
 * Issue 12: one-shot commands run dist/cli-bundle.cjs through a V8 code cache (bin/code-cache.cjs). The cache
 * is written after a first run and used by the next; a corrupt, truncated or foreign cache is ignored (the
 * command's result is the same) and replaced; a rebuilt bundle never runs with an older build's cache; an
 * unwritable cache directory costs nothing but the cache. And the bundle gives the same diagnosis as the
 * ES module build the bot runs. A fresh install copy is built, as in startup.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { scratchInstall, servedChain } from './support/install.js';
import { closedPort, type Running } from './support/servers.js';

const exec = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let cacheDir: string;
let server: Running;
let caFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cert-doctor-code-cache-'));
  await scratchInstall(dir);
  cacheDir = join(dir, 'cache');
  ({ server, caFile } = await servedChain(dir));
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
  const { checksum } = createRequire(import.meta.url)(join(dir, 'bin/code-cache.cjs'));
  const foreignFile = Buffer.concat([checksum(foreign), foreign]);
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

test('a bundle rewritten to the same length with its old mtime restored still never meets the old cache', async () => {
  // V8 checks a cache's source only by its length: the cache's name carries the bundle's identity (its
  // inode, size, mtime and ctime; a rewrite changes ctime, which utimes cannot set back)
  const bundle = join(dir, 'dist/cli-bundle.cjs');
  await run(['--version']);
  assert.equal((await run(['--version'])).cache, 'used');
  const reference = join(dir, 'bundle-times');
  execFileSync('cp', ['-p', bundle, reference]); // keeps the mtime to the nanosecond, as touch -r sets it back
  const text = readFileSync(bundle, 'latin1');
  // same length, other behaviour: the version line names another program
  const changed = text.replace('cert-doctor ${', 'cert-doktor ${');
  assert.notEqual(changed, text, 'the bundle prints the version as expected');
  assert.equal(changed.length, text.length);
  writeFileSync(bundle, changed, 'latin1');
  execFileSync('touch', ['-r', reference, bundle]);
  assert.equal(statSync(bundle, { bigint: true }).mtimeNs, statSync(reference, { bigint: true }).mtimeNs);
  assert.equal(statSync(bundle).size, statSync(reference).size);
  const r = await run(['--version']);
  assert.deepEqual(r, { code: 0, stdout: expectedVersion.replace('cert-doctor', 'cert-doktor'), cache: 'none' });
  writeFileSync(bundle, text, 'latin1');
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

test('a check that reached no server writes no cache: the next one that does writes it', async () => {
  // a loopback port nobody listens on: connection_refused, exit 3, and most of the probe never ran
  const closed = await closedPort();
  const common = ['--allow', '127.0.0.0/8', '--ca', caFile, '--json'];
  rmSync(cacheDir, { recursive: true, force: true });
  const refused = await run(['check', `https://localhost:${closed}/`, ...common]);
  assert.equal(refused.code, 3);
  assert.equal(refused.cache, 'none');
  assert.deepEqual(existsSync(cacheDir) ? cacheFiles('check') : [], []);
  const first = await run(['check', `https://localhost:${server.port}/`, ...common]);
  const second = await run(['check', `https://localhost:${server.port}/`, ...common]);
  assert.deepEqual([first.code, first.cache, second.cache], [0, 'none', 'used']);
  assert.equal(cacheFiles('check').length, 1);
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

test('the built bundle is ASCII (read as latin1); a bundle with other characters is read as UTF-8, cached or not', async () => {
  const { isAscii } = await import('node:buffer');
  assert.equal(isAscii(readFileSync(join(dir, 'dist/cli-bundle.cjs'))), true, "bin/build.mjs's bundle is ASCII");
  const { loadCliBundle } = createRequire(import.meta.url)('../bin/code-cache.cjs') as {
    loadCliBundle(
      dist: string,
      args: string[],
      env: NodeJS.ProcessEnv,
    ): { main: () => string; cache: string; save(): void };
  };
  for (const text of ['plain ascii', 'curly \u2019quotes\u201d, caf\u00e9, \u{1f512}']) {
    const dist = mkdtempSync(join(dir, 'dist-text-'));
    // JSON.stringify leaves non-ASCII characters as they are: the second file is not ASCII
    writeFileSync(join(dist, 'cli-bundle.cjs'), `module.exports.main = () => ${JSON.stringify(text)};\n`);
    assert.equal(isAscii(readFileSync(join(dist, 'cli-bundle.cjs'))), text === 'plain ascii');
    const env = { CERT_DOCTOR_CACHE_DIR: join(dist, 'cache') };
    const cold = loadCliBundle(dist, ['other'], env);
    assert.equal(cold.main(), text);
    cold.save();
    const warm = loadCliBundle(dist, ['other'], env);
    assert.deepEqual([cold.cache, warm.cache, warm.main()], ['none', 'used', text]);
  }
});
