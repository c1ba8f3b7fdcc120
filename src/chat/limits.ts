/**
 * Abuse limits for chat-triggered probes: a token bucket per user (a burst of `checksPerMinute`, refilled
 * continuously) and a global cap on probes in flight. Over a limit the request is refused at once with the
 * seconds to wait; nothing is queued, so a flood cannot pile up work. Pure over the injected clock.
 */
import type { LimitsConfig } from '../config.js';
import type { LimitGrant, LimitRefusal, ProbeLimiter } from './port.js';

export interface LimiterOptions extends LimitsConfig {
  clock: () => Date;
  /** what to tell a user refused because every probe slot is busy (a probe's usual duration), s */
  busyRetrySec?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full (idle) ones are dropped; a full bucket is the same as no bucket. */
const MAX_BUCKETS = 10_000;

export class Limiter implements ProbeLimiter {
  #buckets = new Map<string, Bucket>();
  #inFlight = 0;
  #opts: Required<LimiterOptions>;

  constructor(opts: LimiterOptions) {
    this.#opts = { busyRetrySec: 5, ...opts };
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  acquire(userId: string): LimitGrant | LimitRefusal {
    if (this.#inFlight >= this.#opts.maxConcurrentProbes) {
      return { ok: false, reason: 'busy', retryAfterSec: this.#opts.busyRetrySec };
    }
    const now = this.#opts.clock().getTime();
    const bucket = this.#refill(userId, now);
    if (bucket.tokens < 1) {
      const ratePerMs = this.#opts.checksPerMinute / 60_000;
      const waitMs = (1 - bucket.tokens) / ratePerMs;
      return { ok: false, reason: 'rate_limited', retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
    }
    bucket.tokens -= 1;
    this.#inFlight++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight--;
      },
    };
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
