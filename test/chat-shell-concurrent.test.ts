/**
 * Issue 7: the shell prompt never waits on a probe. A check against a server that accepts TCP and never
 * answers runs until its deadline; meanwhile the next lines are read and answered, and its diagnosis is
 * printed when it arrives. Ordering, not timing: the help text must be printed before the check's finding.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PROMPT } from '../src/chat/shell/index.js';
import { type Running, startSilent } from './support/servers.js';
import { driveShell } from './support/shell.js';

const open: Running[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

async function silent(): Promise<Running> {
  const s = await startSilent();
  open.push(s);
  return s;
}

test('shell: a check that hangs until its deadline does not hold the prompt; help is answered meanwhile', async () => {
  const srv = await silent();
  const sh = driveShell({ probeTimeoutMs: 2_500 });
  const started = await sh.type(`check 127.0.0.1:${srv.port}`);
  assert.match(started, /Checking 127\.0\.0\.1/, 'the "Checking…" line comes before the prompt');
  assert.doesNotMatch(started, /\[handshake_timeout\]/, 'the check was still running when the prompt came back');
  assert.ok(started.endsWith(PROMPT), 'the prompt is back');

  const help = await sh.type('help');
  assert.match(help, /\/cert check TARGET/);
  assert.doesNotMatch(sh.output(), /\[handshake_timeout\]/, 'help was answered while the check ran');

  await sh.session.idle();
  const out = sh.output();
  assert.ok(out.indexOf('/cert check TARGET') < out.indexOf('[handshake_timeout]'), 'help first, then the finding');
  assert.ok(out.endsWith(PROMPT), 'after the diagnosis arrives the prompt is printed again');
  await sh.send('exit');
  await sh.session.done;
});

test('shell: two checks at once, each answered; "exit" waits for the one still running', async () => {
  const a = await silent();
  const b = await silent();
  const sh = driveShell({ probeTimeoutMs: 2_000 });
  await sh.type(`check 127.0.0.1:${a.port}`);
  await sh.type(`check 127.0.0.1:${b.port}`);
  await sh.type('exit');
  await sh.session.done;
  const out = sh.output();
  for (const port of [a.port, b.port]) assert.match(out, new RegExp(`Checking 127\\.0\\.0\\.1:${port}`));
  for (const port of [a.port, b.port]) {
    assert.match(out, new RegExp(`CRITICAL 127\\.0\\.0\\.1:${port} — \\[handshake_timeout\\]`), out);
  }
  assert.ok(out.indexOf('[handshake_timeout]') < out.lastIndexOf('bye\n'), 'bye only after both diagnoses');
});

test('shell: piped input (EOF while a check runs) still prints the diagnosis, then bye', async () => {
  const srv = await silent();
  const sh = driveShell({ probeTimeoutMs: 1_500 });
  await sh.type(`check 127.0.0.1:${srv.port}`);
  const atEof = sh.output().length;
  await sh.end();
  const out = sh.output();
  assert.match(out, /\[handshake_timeout\]/);
  assert.match(out, /bye\n$/);
  // no line is typed after the last prompt: what arrives after EOF starts on a line of its own
  assert.ok(out.slice(atEof).startsWith('\n#1 '), JSON.stringify(out.slice(atEof - 20, atEof + 40)));
  assert.doesNotMatch(out.slice(atEof), new RegExp(PROMPT), 'no prompt after EOF');
});

test('shell on a terminal: a diagnosis arriving while a line is typed is printed above it; the line is redrawn', async () => {
  const srv = await silent();
  const sh = driveShell({ probeTimeoutMs: 1_500, isTTY: true });
  await sh.type(`check 127.0.0.1:${srv.port}`);
  sh.typePartial('hel');
  await sh.session.idle();
  const out = sh.output();
  const finding = out.indexOf('[handshake_timeout]');
  assert.ok(finding > 0, out);
  // after the diagnosis: the prompt again, followed by what was typed so far
  assert.match(out.slice(finding), new RegExp(`${PROMPT}hel[^\\n]*$`));
  assert.match(await sh.send('p'), /\/cert check TARGET/, 'the redrawn line goes on: "hel" + "p" is help');
  await sh.send('exit');
  await sh.session.done;
});
