/**
 * The sweep's concurrency cap, per-host politeness and jitter, with controlled promises (no timers).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostOf, nextCheckAt, runPolitely } from '../src/scheduler/sweep.js';
import type { Subscription } from '../src/store/types.js';

test('at most `limit` at once and never two for one host at once; every item runs once', async () => {
  const items = ['a', 'a', 'a', 'b', 'b', 'c', 'd', 'e', 'f', 'a'].map((host, i) => ({ host, i }));
  let running = 0;
  let peak = 0;
  const busy = new Set<string>();
  const done: number[] = [];
  await runPolitely(
    items,
    3,
    (t) => t.host,
    async (t) => {
      assert.ok(!busy.has(t.host), `two checks of ${t.host} at once`);
      busy.add(t.host);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => setImmediate(r));
      await new Promise<void>((r) => setImmediate(r));
      running--;
      busy.delete(t.host);
      done.push(t.i);
    },
  );
  assert.equal(peak, 3);
  assert.deepEqual(
    [...done].sort((x, y) => x - y),
    items.map((t) => t.i),
  );
});

test('a failing item does not stop the others', async () => {
  const seen: number[] = [];
  await runPolitely([1, 2, 3], 2, String, async (n) => {
    seen.push(n);
    if (n === 1) throw new Error('boom');
  });
  assert.deepEqual(seen.sort(), [1, 2, 3]);
});

test('host of a target: port, scheme and IPv6 brackets do not split one host into several', () => {
  const sub = (target: string) => ({ target }) as Subscription;
  assert.equal(hostOf(sub('A.example:8443')), 'a.example');
  assert.equal(hostOf(sub('smtp://mail.example:587')), 'mail.example');
  assert.equal(hostOf(sub('[2001:db8::1]:443')), '[2001:db8::1]');
});

test('jitter keeps the next check within ±10 % of the interval', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  const every = 6 * 3_600_000;
  assert.equal(nextCheckAt(now, every, () => 0).getTime() - now.getTime(), every * 0.9);
  assert.equal(nextCheckAt(now, every, () => 0.5).getTime() - now.getTime(), every);
  assert.ok(nextCheckAt(now, every, () => 0.999999).getTime() - now.getTime() <= every * 1.1);
});

test('a stream of items (the due pages) is read ahead only as far as a free slot needs; host exclusivity holds', async () => {
  const hosts = ['a', 'a', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  let pulled = 0;
  async function* stream() {
    for (const [i, host] of hosts.entries()) {
      pulled++;
      yield { host, i };
    }
  }
  const gates: (() => void)[] = [];
  const busy = new Set<string>();
  const done: number[] = [];
  const run = runPolitely(
    stream(),
    2,
    (t) => t.host,
    async (t) => {
      assert.ok(!busy.has(t.host), `two checks of ${t.host} at once`);
      busy.add(t.host);
      await new Promise<void>((r) => gates.push(r));
      busy.delete(t.host);
      done.push(t.i);
    },
  );
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  // two slots: a (item 0) and the next host that is not a — b, item 3 — so items 0..3 were read, not more
  assert.equal(gates.length, 2);
  assert.equal(pulled, 4);
  while (done.length < hosts.length) {
    gates.shift()?.();
    await new Promise<void>((r) => setImmediate(r));
  }
  await run;
  assert.deepEqual(
    [...done].sort((x, y) => x - y),
    hosts.map((_, i) => i),
  );
});
