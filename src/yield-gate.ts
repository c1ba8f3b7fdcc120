/**
 * Pool threads step aside while the main thread answers a burst of requests. SCHED_IDLE (pool/priority.ts) is not
 * enough on a small machine: during a 200-request burst the main thread and the load are not always runnable,
 * and an idle-priority thread takes every core that falls free for a moment — 100–190 ms of pool CPU inside a
 * ~150 ms burst on 2 cores while 8 hostile-chain checks ran (bench/hostile.ts, per-thread schedstat), and the
 * burst's ack p99 1.2–1.9× the quiet one. The cores a pool thread borrows are not free for the main thread when
 * it wakes: caches, memory bandwidth, and on a VM the host's view of its vCPUs.
 *
 * So the transport says when a burst starts and ends (chat/slack/listeners.ts AckFirst), the main thread flips
 * one shared Int32 (a SharedArrayBuffer every pool thread gets in its workerData), and a pool thread about to
 * start a heavy synchronous step (a signature verification, a certificate parse: certinfo.ts) waits on it with
 * Atomics.wait — it blocks that thread only, and the main thread's Atomics.notify wakes it the moment the burst
 * is over. Checks keep their deadlines: a wait lasts at most MAX_WAIT_MS, and a thread that waited that long
 * then runs FREE_RUN_MS without waiting, so a workspace that never stops sending still gets its checks done
 * (at least a third of the pool's time), and the hard deadline (pool/deadline.ts) still ends a check that runs out.
 *
 * The main thread and a process without a pool never wait (no gate installed: yieldToPeople is a no-op).
 */

/** longest single wait of a pool thread for a burst to end */
export const MAX_WAIT_MS = 100;
/** after a wait that timed out, run this long without waiting */
export const FREE_RUN_MS = 50;

const OPEN = 0;
const HELD = 1;

export interface YieldTimes {
  /** longest single wait; default MAX_WAIT_MS */
  maxWaitMs?: number;
  /** free run after a wait that timed out; default FREE_RUN_MS */
  freeRunMs?: number;
}

/** What a pool thread gets in its workerData. */
export interface YieldGateInit extends YieldTimes {
  buffer: SharedArrayBuffer;
}

/** The main thread's side: hold or open the gate for every pool thread that got `init`. */
export class YieldGate {
  readonly buffer = new SharedArrayBuffer(4);
  readonly #flag = new Int32Array(this.buffer);

  constructor(private readonly times: YieldTimes = {}) {}

  /** for a pool thread's workerData (installYieldGate) */
  get init(): YieldGateInit {
    return { buffer: this.buffer, ...this.times };
  }

  hold(busy: boolean): void {
    if (busy) {
      Atomics.store(this.#flag, 0, HELD);
      return;
    }
    if (Atomics.exchange(this.#flag, 0, OPEN) === HELD) Atomics.notify(this.#flag, 0);
  }

  get held(): boolean {
    return Atomics.load(this.#flag, 0) === HELD;
  }
}

/** A pool thread's side: one gate per thread (module state: the yield points are deep in the probe). */
let flag: Int32Array | undefined;
let maxWaitMs = MAX_WAIT_MS;
let freeRunMs = FREE_RUN_MS;
let freeUntil = 0;
let waitedMs = 0;

/** Called once in a pool thread with YieldGate.init from its workerData; anything else leaves it without a gate. */
export function installYieldGate(init: unknown): void {
  const i = (init ?? {}) as Partial<YieldGateInit>;
  flag = i.buffer instanceof SharedArrayBuffer && i.buffer.byteLength >= 4 ? new Int32Array(i.buffer, 0, 1) : undefined;
  maxWaitMs = positive(i.maxWaitMs) ?? MAX_WAIT_MS;
  freeRunMs = positive(i.freeRunMs) ?? FREE_RUN_MS;
}

function positive(n: unknown): number | undefined {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Before a heavy synchronous step: wait while the main thread is answering a burst (bounded; see above). */
export function yieldToPeople(): void {
  if (!flag || Atomics.load(flag, 0) !== HELD) return;
  const now = performance.now();
  if (now < freeUntil) return;
  const outcome = Atomics.wait(flag, 0, HELD, maxWaitMs);
  const after = performance.now();
  waitedMs += after - now;
  if (outcome === 'timed-out') freeUntil = after + freeRunMs;
}

/** Milliseconds this thread has spent waiting at the gate (for tests and traces). */
export function yieldedMs(): number {
  return waitedMs;
}
