/** AckFirst: work acked during a burst of requests waits until the burst is over (loopback only). */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probe } from '../commands/check.js';
import type { ChatCore } from '../src/chat/port.js';
import { AckFirst } from '../src/chat/slack/listeners.js';
import type { Diagnosis } from '../src/rules/types.js';

/** Blocks the event loop, as a descheduled process or a long synchronous task would. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('without reported arrivals, work starts at once', async () => {
  const gate = new AckFirst({ quietMs: 2000 });
  const started = performance.now();
  let ranAt = Number.NaN;
  await gate.run(async () => {
    ranAt = performance.now();
  });
  assert.ok(ranAt - started < 1000, `work started after ${ranAt - started} ms (quietMs is 2000)`);
});

test('work deferred during a burst starts in arrival order', async () => {
  const gate = new AckFirst();
  const order: number[] = [];
  const runs: Promise<void>[] = [];
  for (let i = 0; i < 5; i++) {
    gate.arrived();
    runs.push(gate.run(async () => void order.push(i)));
    await sleep(i); // arrivals spread over a few ms: a later one must never overtake an earlier one
  }
  await Promise.all(runs);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

test('work waits while requests keep arriving, and starts once they stop for quietMs', async () => {
  // quietMs is wide against the 5 ms arrival interval so that a loaded machine's timer jitter does not end the burst
  const gate = new AckFirst({ quietMs: 150, maxDeferMs: 10_000 });
  let lastArrival = performance.now();
  const arrive = () => {
    lastArrival = performance.now();
    gate.arrived();
  };
  arrive();
  const order: string[] = [];
  const startedAt: number[] = [];
  const runs = [1, 2, 3].map((i) =>
    gate.run(async () => {
      startedAt.push(performance.now());
      order.push(`work ${i}`);
    }),
  );
  const arrivals = setInterval(arrive, 5);
  await sleep(300);
  order.push('burst over');
  clearInterval(arrivals);
  await Promise.all(runs);
  assert.deepEqual(order, ['burst over', 'work 1', 'work 2', 'work 3']);
  for (const at of startedAt)
    assert.ok(at - lastArrival >= 150, `work started ${at - lastArrival} ms after the last arrival`);
});

test('a request read in the poll phase after a stall holds the work, though the quiet timer is due', async () => {
  const gate = new AckFirst({ quietMs: 10, maxDeferMs: 5000 });
  const order: string[] = [];
  const server = createServer((s) =>
    s.on('data', () => {
      gate.arrived();
      order.push('arrival');
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(server, 'connection');
  try {
    gate.arrived();
    const run = gate.run(async () => void order.push('work'));
    await new Promise((r) => setImmediate(r));
    // The request reaches the socket buffer while the loop is stalled past quietMs: on resuming, the
    // timer fires before the poll phase reads it.
    client.write('POST');
    busy(30);
    await run;
    assert.deepEqual(order, ['arrival', 'work']);
  } finally {
    client.destroy();
    server.close();
  }
});

test('work acked during an endless burst starts after maxDeferMs anyway', async () => {
  const gate = new AckFirst({ quietMs: 100, maxDeferMs: 300 });
  gate.arrived();
  const arrivals = setInterval(() => gate.arrived(), 2);
  try {
    const started = performance.now();
    await gate.run(async () => undefined);
    const waited = performance.now() - started;
    assert.ok(waited >= 300 && waited < 3000, `waited ${waited} ms`);
  } finally {
    clearInterval(arrivals);
  }
});

test("a check that ends during a burst hands over its diagnosis after the burst's acks (probe awaits afterAcks)", async () => {
  const gate = new AckFirst({ quietMs: 150, maxDeferMs: 10_000 });
  const arrive = () => gate.arrived();
  arrive();
  const order: string[] = [];
  const diagnosis = { verdict: 'ok', findings: [] } as unknown as Diagnosis;
  const ctx = {
    core: {
      checkDefaults: {},
      check: async () => {
        order.push('check done');
        return diagnosis;
      },
    } as unknown as ChatCore,
    clock: () => new Date(),
    afterAcks: () => gate.run(async () => {}),
  };
  const arrivals = setInterval(arrive, 5);
  const outcome = probe(ctx, 'example.com').then((o) => {
    order.push('diagnosis handed over');
    return o;
  });
  await sleep(300);
  order.push('burst over');
  clearInterval(arrivals);
  const o = await outcome;
  assert.deepEqual(order, ['check done', 'burst over', 'diagnosis handed over']);
  assert.equal(o.ok && o.diagnosis, diagnosis);
  const { afterAcks: _, ...shellCtx } = ctx;
  assert.ok((await probe(shellCtx, 'example.com')).ok, 'without afterAcks (the shell) no wait');
});
