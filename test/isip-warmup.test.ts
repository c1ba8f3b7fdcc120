/**
 * src/probe/isip-warmup.ts: the first isIP of a process runs with V8's regexp tier-up off, then the flag is
 * set back. Proved here: isIP answers as before, V8's flag hash is unchanged afterwards (a code cache made
 * before is still accepted, which is what bin/code-cache.cjs relies on), and a process started with its own
 * regexp tier-up flag is left alone.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { warmIsIp } from '../src/probe/isip-warmup.js';

const exec = promisify(execFile);

test('a process started with its own regexp tier-up flag is left alone', () => {
  assert.equal(warmIsIp(['--no-regexp-tier-up'], undefined), 'skipped');
  assert.equal(warmIsIp([], undefined), 'already', 'once per process');
});

test('after the warm-up isIP answers as before and a code cache made before it is still accepted', async () => {
  const script = `
    const vm = require('node:vm');
    const { isIP } = require('node:net');
    const source = 'function f(a) { return a + 1; } f(1);';
    const before = new vm.Script(source, { filename: 'x.js' });
    before.runInThisContext();
    const data = before.createCachedData();
    const { warmIsIp } = require(${JSON.stringify(fileURLToPath(new URL('../src/probe/isip-warmup.ts', import.meta.url)))});
    const first = warmIsIp([], '');
    const again = warmIsIp([], '');
    const after = new vm.Script(source, { filename: 'x.js', cachedData: data });
    const answers = ['localhost', '127.0.0.1', '::1', 'fe80::1%eth0', '2001:db8::', '1.2.3', 'example.com', '[::1]'].map(isIP);
    process.stdout.write(JSON.stringify({ first, again, rejected: after.cachedDataRejected, answers }));
  `;
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', '-e', script], { timeout: 30_000 });
  assert.deepEqual(JSON.parse(stdout), {
    first: 'warmed',
    again: 'already',
    rejected: false,
    answers: [0, 4, 6, 6, 6, 0, 0, 0],
  });
});
