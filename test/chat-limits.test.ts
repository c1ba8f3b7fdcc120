import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Limiter } from '../src/chat/limits.js';
import type { LimitGrant, LimitRefusal } from '../src/chat/port.js';

function clockAt(start = Date.parse('2026-03-01T10:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

function granted(r: LimitGrant | LimitRefusal): LimitGrant {
  assert.equal(r.ok, true, `expected a grant, got ${JSON.stringify(r)}`);
  return r as LimitGrant;
}

test('per-user bucket: a burst of checksPerMinute, then a refusal with the computed wait', () => {
  const c = clockAt();
  const lim = new Limiter({ checksPerMinute: 5, maxConcurrentProbes: 100, clock: c.now });
  for (let i = 0; i < 5; i++) granted(lim.acquire('U1')).release();
  assert.deepEqual(lim.acquire('U1'), { ok: false, reason: 'rate_limited', retryAfterSec: 12 });
  granted(lim.acquire('U2')).release();
  c.advance(5_000);
  assert.deepEqual(lim.acquire('U1'), { ok: false, reason: 'rate_limited', retryAfterSec: 7 });
  c.advance(7_000);
  granted(lim.acquire('U1')).release();
});

test('retryAfterSec is at least 1 and rounds up', () => {
  const c = clockAt();
  const lim = new Limiter({ checksPerMinute: 600, maxConcurrentProbes: 10_000, clock: c.now });
  for (let i = 0; i < 600; i++) granted(lim.acquire('U')).release();
  const r = lim.acquire('U');
  assert.deepEqual(r, { ok: false, reason: 'rate_limited', retryAfterSec: 1 });
});

test('global cap: refused while full (queue-less, no token spent), accepted after a release', () => {
  const c = clockAt();
  const lim = new Limiter({ checksPerMinute: 2, maxConcurrentProbes: 2, clock: c.now, busyRetrySec: 4 });
  const a = granted(lim.acquire('A'));
  granted(lim.acquire('B'));
  assert.deepEqual(lim.acquire('C'), { ok: false, reason: 'busy', retryAfterSec: 4 });
  assert.equal(lim.inFlight, 2);
  a.release();
  a.release();
  assert.equal(lim.inFlight, 1, 'release is idempotent');
  granted(lim.acquire('C')).release();
  granted(lim.acquire('C')).release();
  assert.equal(lim.acquire('C').ok, false, 'C had both tokens: the busy refusal spent none');
});

test('a clock stepping backwards neither mints tokens nor yields a negative wait', () => {
  const c = clockAt();
  const lim = new Limiter({ checksPerMinute: 1, maxConcurrentProbes: 10, clock: c.now });
  granted(lim.acquire('U')).release();
  c.advance(-3_600_000);
  const r = lim.acquire('U');
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.retryAfterSec >= 1 && r.retryAfterSec <= 60);
});

test('busy: the wait quoted is when the oldest probe should end, learnt from the probes that finished', () => {
  const c = clockAt();
  const lim = new Limiter({ checksPerMinute: 100, maxConcurrentProbes: 1, clock: c.now, busyRetrySec: 5 });
  // nothing finished yet: the configured typical duration, counted from the probe's start
  const first = granted(lim.acquire('A'));
  c.advance(2_000);
  assert.deepEqual(lim.acquire('B'), { ok: false, reason: 'busy', retryAfterSec: 3 });
  c.advance(3_000);
  first.release();
  // ten quick probes of 200 ms pull the typical duration down towards 0.2 s
  for (let i = 0; i < 10; i++) {
    const g = granted(lim.acquire('A'));
    c.advance(200);
    g.release();
  }
  const slow = granted(lim.acquire('A'));
  const refusal = lim.acquire('B');
  assert.ok(!refusal.ok && refusal.reason === 'busy' && refusal.retryAfterSec === 1, JSON.stringify(refusal));
  // a probe already past the typical duration still gets a wait of at least 1 s, never 0 or negative
  c.advance(9_000);
  assert.deepEqual(lim.acquire('B'), { ok: false, reason: 'busy', retryAfterSec: 1 });
  slow.release();
  granted(lim.acquire('B')).release();
});
