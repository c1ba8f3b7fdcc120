import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROMPT } from '../src/chat/shell/index.js';
import { driveShell } from './support/shell.js';

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
