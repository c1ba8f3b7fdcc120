/**
 * Issue 8 item 3: which sweep checks run the full profile (no-SNI handshake and version scan). Decided from
 * the subscription and the sweep's time, not from a per-process counter, so a restart does not make the next
 * sweep a full one for every endpoint, and a tenth of the subscriptions pay for it in any one sweep.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SWEEP_FULL_EVERY } from '../src/probe/profile.js';
import { sweepProfile } from '../src/scheduler/sweep.js';

const EVERY = 6 * 3_600_000;
const T0 = new Date('2026-12-03T00:00:00Z').getTime();
const ids = Array.from({ length: 2000 }, (_, i) => `sub-${i}`);

test('each subscription gets exactly one full check in any SWEEP_FULL_EVERY consecutive sweeps', () => {
  for (const id of ids.slice(0, 200)) {
    const profiles = Array.from({ length: SWEEP_FULL_EVERY }, (_, k) =>
      sweepProfile(id, new Date(T0 + k * EVERY), EVERY),
    );
    assert.equal(profiles.filter((p) => p === 'full').length, 1, `${id}: ${profiles.join(',')}`);
  }
});

test('in one sweep about a tenth of the subscriptions run the full profile, not all of them', () => {
  for (let k = 0; k < 3; k++) {
    const now = new Date(T0 + k * EVERY);
    const full = ids.filter((id) => sweepProfile(id, now, EVERY) === 'full').length;
    // binomial(2000, 0.1): mean 200, sd ≈ 13.4; ± 6 sd
    assert.ok(full > 120 && full < 280, `${full} of ${ids.length} full at sweep ${k}`);
  }
});

test('the same subscription at the same time always gets the same profile (no process state)', () => {
  const now = new Date(T0 + 3 * EVERY + 1234);
  const first = ids.map((id) => sweepProfile(id, now, EVERY));
  const again = ids.map((id) => sweepProfile(id, now, EVERY));
  assert.deepEqual(again, first);
});
