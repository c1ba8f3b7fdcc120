/**
 * Socket Mode reconnects through Slack API trouble. Slack asks every connection to refresh now and then;
 * if apps.connections.open then fails a few times (5xx, network), the client must keep retrying with its
 * own patient policy, not give up (which socket-mode 3.1 does as an unhandled rejection: the process dies).
 * Its own file: the client waits 5 s before reconnecting, plus the retries, and this runs beside the others.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSocketHarness } from './support/slack-harness.js';

test('refresh_requested while apps.connections.open answers 500 three times: reconnects, the next command is acked', async () => {
  const h = await startSocketHarness();
  try {
    h.fake.injectFault('apps.connections.open', { status: 500 }, 3);
    h.socket.disconnect('refresh_requested');
    const next = await h.socket.waitForConnections(2, 30_000);
    const opens = h.fake.callsOf('apps.connections.open').map((c) => c.status);
    assert.deepEqual(opens, [200, 500, 500, 500, 200]);
    const ack = await h.socket.command({ text: 'help', channel: 'C-reconnect' });
    assert.equal(ack.connection, next.id);
    assert.ok(ack.ackMs < 3000, `ack took ${ack.ackMs} ms`);
  } finally {
    await h.close();
  }
});
