import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROMPT } from '../src/chat/shell/index.js';
import { driveShell } from './support/shell.js';
import { startRepairableServer } from './support/swap.js';

test('shell: help, unknown subcommands, bad targets and actions before any incident; exit ends it', async () => {
  const sh = driveShell();
  assert.match(await sh.send('help'), /\/cert check TARGET/);
  assert.match(await sh.send('/cert frobnicate'), /Unknown subcommand "frobnicate"/);
  assert.match(await sh.send('check exa mple.com'), /error \[bad_input\].*exa mple\.com/);
  assert.match(await sh.send('1'), /\[incident_not_found\]/);
  assert.match(await sh.send('recheck'), /\[incident_not_found\]/);
  assert.equal(await sh.send(''), PROMPT, 'an empty line just prompts again');
  await sh.send('exit');
  await sh.session.done;
  assert.match(sh.output(), /bye\n$/);
});

test('shell: EOF ends the session cleanly', async () => {
  const sh = driveShell();
  await sh.send('help');
  await sh.end();
  assert.match(sh.output(), /bye\n$/);
});

test('shell end to end: check a loopback server, see the finding code, fix it, "1" re-checks and resolves', async () => {
  const srv = await startRepairableServer();
  const sh = driveShell({ extraCaPem: srv.extraCaPem });
  try {
    const diagnosis = await sh.send(`/cert check 127.0.0.1:${srv.port}`);
    assert.match(diagnosis, new RegExp(`Checking 127\\.0\\.0\\.1:${srv.port}`));
    assert.match(diagnosis, /\[chain_incomplete\]/);
    assert.match(diagnosis, /Incident #1 open/);
    assert.match(diagnosis, /\[1\] Re-check {2}\[2\] Fix guide {2}\[3\] Show chain/);
    assert.match(diagnosis, /↳ \(thread of #1\)/, 'findings go in the thread, indented');

    assert.match(await sh.send('3'), /As sent by the server:\n.*#0 /);
    assert.match(await sh.send('fix'), /Fix guide for 127\.0\.0\.1[^\n]*\n +│ 1\. \[chain_incomplete\]/);
    srv.repair();
    const recheck = await sh.send('1');
    assert.match(recheck, /fixed: chain_incomplete/);
    assert.match(recheck, /#1 ↻ .*\n.*Incident #1 resolved by shell at/, 'the parent is re-printed, resolved');
    await sh.send('quit');
    await sh.session.done;
  } finally {
    await srv.close();
  }
});
