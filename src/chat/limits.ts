/**
 * Abuse limits for chat-triggered probes: a token bucket per user (a burst of `checksPerMinute`, refilled
 * continuously) and a global cap on probes in flight. Over a limit the request is refused at once with the
 * seconds to wait; nothing is queued, so a flood cannot pile up work. Pure over the injected clock.
 * The wait quoted when every probe slot is busy is when the oldest probe in flight should end: its start plus
 * the typical probe duration (a moving average of the probes that finished), at least 1 s.
 */
import type { LimitsConfig } from '../config.js';
import type { LimitGrant, LimitRefusal, ProbeLimiter } from './port.js';

export interface LimiterOptions extends LimitsConfig {
  clock: () => Date;
  /** the typical probe duration assumed until probes have finished, s */
  busyRetrySec?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Weight of the latest probe in the moving average of probe durations. */
const DURATION_WEIGHT = 0.2;

/** Buckets kept before full (idle) ones are dropped; a full bucket is the same as no bucket. */
const MAX_BUCKETS = 10_000;

export class Limiter implements ProbeLimiter {
  #buckets = new Map<string, Bucket>();
  /** start times (ms) of the probes in flight */
  #started = new Set<{ at: number }>();
  #typicalMs: number;
  #opts: Required<LimiterOptions>;

  constructor(opts: LimiterOptions) {
    this.#opts = { busyRetrySec: 5, ...opts };
    this.#typicalMs = this.#opts.busyRetrySec * 1000;
  }

  get inFlight(): number {
    return this.#started.size;
  }

  acquire(userId: string): LimitGrant | LimitRefusal {
    const now = this.#opts.clock().getTime();
    if (this.#started.size >= this.#opts.maxConcurrentProbes) {
      return { ok: false, reason: 'busy', retryAfterSec: this.#busyWaitSec(now) };
    }
    const bucket = this.#refill(userId, now);
    if (bucket.tokens < 1) {
      const ratePerMs = this.#opts.checksPerMinute / 60_000;
      const waitMs = (1 - bucket.tokens) / ratePerMs;
      return { ok: false, reason: 'rate_limited', retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    bucket.tokens -= 1;
    const probe = { at: now };
    this.#started.add(probe);
    return {
      ok: true,
      release: () => {
        if (!this.#started.delete(probe)) return;
        const took = Math.max(0, this.#opts.clock().getTime() - probe.at);
        this.#typicalMs += DURATION_WEIGHT * (took - this.#typicalMs);
      },
    };
  }

  #busyWaitSec(now: number): number {
    let oldest = now;
    for (const p of this.#started) oldest = Math.min(oldest, p.at);
    return Math.max(1, Math.ceil((oldest + this.#typicalMs - now) / 1000));
  }

  #refill(userId: string, now: number): Bucket {
    const cap = this.#opts.checksPerMinute;
    let b = this.#buckets.get(userId);
    if (!b) {
      if (this.#buckets.size >= MAX_BUCKETS) this.#dropFull(now);
      b = { tokens: cap, at: now };
      this.#buckets.set(userId, b);
      return b;
    }
    // A clock that steps backwards must not mint tokens or make the wait negative.
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(cap, b.tokens + (elapsed * cap) / 60_000);
    b.at = Math.max(b.at, now);
    return b;
  }

  #dropFull(now: number): void {
    for (const [id, b] of this.#buckets) {
      if (b.tokens + ((now - b.at) * this.#opts.checksPerMinute) / 60_000 >= this.#opts.checksPerMinute) {
        this.#buckets.delete(id);
      }
    }
  }
}
