/** The bot's process guard, in a child process: a stray rejection is logged and the process keeps running. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

const script = (guarded: boolean) => `
  import { createLogger } from './src/log.ts';
  import { guardProcess } from './src/process-guard.ts';
  const unguard = ${guarded} ? guardProcess(createLogger({ level: 'info', stream: process.stdout, pretty: false })) : () => {};
  Promise.reject(new Error('stray rejection'));
  setTimeout(() => { unguard(); console.log(JSON.stringify({ stillRunning: true })); }, 50);
`;

async function child(guarded: boolean): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const args = ['--import', 'tsx', '--input-type=module', '-e', script(guarded)];
  try {
    const { stdout } = await run(process.execPath, args, { cwd: process.cwd(), timeout: 20_000 });
    return {
      code: 0,
      lines: stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    };
  } catch (err) {
    return { code: (err as { code: number }).code, lines: [] };
  }
}

test('guarded: a stray rejection is logged at error level with its error, and the process goes on', async () => {
  const { code, lines } = await child(true);
  assert.equal(code, 0);
  const logged = lines.find((l) => l.level === 50);
  assert.equal((logged?.err as { message?: string } | undefined)?.message, 'stray rejection');
  assert.ok(lines.some((l) => l.stillRunning === true));
});

test('unguarded (the one-shot CLI): Node ends the process on the same rejection', async () => {
  const { code } = await child(false);
  assert.notEqual(code, 0);
});
