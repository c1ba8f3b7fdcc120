/**
 * Accepted-then-silent versus a SYN nobody answers (issue 6 item 5): a real loopback listener that accepts
 * and says nothing gives handshake_timeout; a connect that never completes gives connection_timeout. A SYN
 * cannot be left unanswered on loopback without root (the kernel answers for every bound port), so that side
 * stubs the connect step at the socket level: `net.connect` returns a stream that never connects, exactly
 * what a dropped SYN looks like to the prober.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { after, test } from 'node:test';
import { check } from '../src/check.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type Running, startSilent } from './support/servers.js';

const open: Running[] = [];
after(() => Promise.all(open.map((s) => s.close())));

const codes = (d: Diagnosis) => d.findings.map((f) => f.code);
const run = (input: string) => check(input, { now: () => new Date(), allow: ['127.0.0.0/8'], timeoutMs: 1_000 });

test('a listener that accepts and stays silent → handshake_timeout, not connection_timeout', async () => {
  const s = await startSilent();
  open.push(s);
  const d = await run(`127.0.0.1:${s.port}`);
  assert.ok(codes(d).includes('handshake_timeout'), codes(d).join());
  assert.ok(!codes(d).includes('connection_timeout'), codes(d).join());
  assert.equal(d.verdict, 'critical');
  const f = d.findings.find((x) => x.code === 'handshake_timeout')!;
  assert.ok(f.fixes.length > 0, 'a fix that matches the accepted-then-silent causes');
});

test('a SYN that is never answered (connect stubbed at the socket level) → connection_timeout', async (t) => {
  const s = await startSilent();
  open.push(s);
  const stalled: Duplex[] = [];
  t.mock.method(net, 'connect', () => {
    // A socket whose SYN was dropped: writes queue up, nothing is ever read, 'connect' never fires.
    const sock = new Duplex({ read() {}, write: (_chunk, _enc, done) => done() });
    stalled.push(sock);
    return sock;
  });
  const d = await run(`127.0.0.1:${s.port}`);
  t.mock.restoreAll();
  for (const sock of stalled) sock.destroy();
  assert.ok(stalled.length > 0, 'the probe connected through net.connect');
  assert.ok(codes(d).includes('connection_timeout'), codes(d).join());
  assert.ok(!codes(d).includes('handshake_timeout'), codes(d).join());
});
