import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AckFirst } from '../src/chat/slack/listeners.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('work deferred during a burst starts in arrival order', async () => {
  const gate = new AckFirst();
  const order: number[] = [];
  const runs: Promise<void>[] = [];
  for (let i = 0; i < 5; i++) {
    gate.arrived();
    runs.push(gate.run(async () => void order.push(i)));
    await tick(i); // arrivals spread over a few ms: a later one must never overtake an earlier one
  }
  await Promise.all(runs);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
});

test('without arrivals reported, work starts at once', async () => {
  const gate = new AckFirst();
  let ran = false;
  await gate.run(async () => {
    ran = true;
  });
  assert.equal(ran, true);
});
