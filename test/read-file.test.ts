/**
 * File inputs (issue 7 item 6): regular files only, capped while reading, one line for a device, FIFO,
 * directory or oversize file; through the shared helper and through the real CLI's --ca.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { readRegularFile, readRegularFileSync } from '../src/read-file.js';
import { start } from '../src/start.js';
import { runCli } from './support/cli-io.js';
import { makeChain } from './support/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fifo = join(dir, 'pipe');
execFileSync('mkfifo', [fifo]);
const big = join(dir, 'big.pem');
writeFileSync(big, '');
truncateSync(big, 11 * 1024 * 1024); // sparse: 11 MiB without writing them

/** [path, what the one line must say] */
const REFUSED: ReadonlyArray<readonly [string, RegExp]> = [
  ['/dev/urandom', /"\/dev\/urandom": it is a character device, not a regular file$/],
  ['/dev/zero', /"\/dev\/zero": it is a character device, not a regular file$/],
  [fifo, /"[^"]*pipe": it is a FIFO \(named pipe\), not a regular file$/],
  [dir, /: it is a directory, not a regular file$/],
  [big, /: 11534336 bytes, more than 10485760$/],
  [join(dir, 'missing.pem'), /: no such file \(ENOENT\)$/],
];

test('readRegularFile refuses devices, FIFOs, directories, oversize and missing files at once, in one line', async () => {
  for (const [path, expected] of REFUSED) {
    const t0 = performance.now();
    await assert.rejects(readRegularFile(path, { what: '--ca file' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'bad_input');
      assert.equal(err.message.split('\n').length, 1);
      assert.match(err.message, /^cannot read --ca file "/);
      assert.match(err.message, expected);
      return true;
    });
    assert.ok(performance.now() - t0 < 1000, `${path} took ${(performance.now() - t0).toFixed(0)} ms`);
  }
});

test("readRegularFileSync (the CLI's --ca) refuses the same files with the same one line, and reads a regular file", () => {
  for (const [path, expected] of REFUSED) {
    const t0 = performance.now();
    const sync = (() => {
      try {
        readRegularFileSync(path, { what: '--ca file' });
        return null;
      } catch (err) {
        return err as Error & { code?: string };
      }
    })();
    assert.ok(sync, `${path} was read`);
    assert.equal(sync.code, 'bad_input');
    assert.equal(sync.message.split('\n').length, 1);
    assert.match(sync.message, /^cannot read --ca file "/);
    assert.match(sync.message, expected);
    assert.ok(performance.now() - t0 < 1000, `${path} took ${(performance.now() - t0).toFixed(0)} ms`);
  }
  const file = join(dir, 'sync.pem');
  writeFileSync(file, 'y'.repeat(3000));
  assert.deepEqual(readRegularFileSync(file, { what: 'f', maxBytes: 3000 }), Buffer.from('y'.repeat(3000)));
  assert.throws(() => readRegularFileSync(file, { what: 'f', maxBytes: 2999 }), /3000 bytes, more than 2999/);
  const empty = join(dir, 'empty.pem');
  writeFileSync(empty, '');
  assert.equal(readRegularFileSync(empty, { what: 'f' }).length, 0);
});

test('the cap holds while reading: a smaller cap refuses a file that is larger, without reading past it', async () => {
  const file = join(dir, 'small.pem');
  writeFileSync(file, 'x'.repeat(5000));
  assert.equal((await readRegularFile(file, { what: 'f', maxBytes: 5000 })).length, 5000);
  await assert.rejects(readRegularFile(file, { what: 'f', maxBytes: 4999 }), /5000 bytes, more than 4999/);
});

test('cert-doctor check --ca: /dev/urandom, a FIFO, a directory and an 11 MiB file each end in one line, exit 3', async () => {
  const chain = await makeChain();
  const good = join(dir, 'root.pem');
  writeFileSync(good, chain.root.pem);
  for (const [path, expected] of REFUSED) {
    const r = await runCli(['check', 'example.invalid', '--ca', good, '--ca', path]);
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^cert-doctor: cannot read --ca file /);
    assert.match(lines[0]!, expected);
    assert.equal(r.stdout, '');
  }
});

test('the bot: CERT_DOCTOR_CA naming a FIFO or /dev/urandom is one configuration line at start, exit 3', async () => {
  for (const path of [fifo, '/dev/urandom']) {
    const stdin = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => (err += c));
    const code = await start(
      { stdin, stdout: new PassThrough(), stderr },
      { CERT_DOCTOR_CA: path, CERT_DOCTOR_DB: join(dir, 'bot.db'), LOG_LEVEL: 'silent' },
      { cwd: dir },
    );
    assert.equal(code, 3);
    const problems = err.split('\n').filter((l) => l.startsWith('  - '));
    assert.equal(problems.length, 1, err);
    assert.match(problems[0]!, /CERT_DOCTOR_CA: cannot read CERT_DOCTOR_CA file ".*": it is a (FIFO|character device)/);
  }
});
