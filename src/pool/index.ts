/**
 * Checks in a pool of worker threads (piscina), so no host, however hostile, holds up an ack, the shell
 * prompt or another person's check (DESIGN.md "Data flows one way"). One check per worker at a time: a
 * check stuck in synchronous work is terminated at its hard deadline (piscina ends the thread of an aborted
 * running task and starts a replacement) without taking anyone else's check with it.
 *
 * Lanes: 'interactive' (people) and 'sweep' (the scheduler), each with threads of its own. People's checks
 * run one per thread, on up to `size` threads that sweep work never uses. Sweep checks run on up to
 * `sweepShare` threads of a second pool, `sweepPerThread` at once on each: a sweep check mostly waits on its
 * server, and one per thread left the machine idle between hops (issue 8). A sweep check is handed over only
 * while people's checks leave room (threads in use, counting a sweep thread as busy, below `size`, and none of
 * theirs queued), so sweeps yield to people. The price of sharing a thread: the hard deadline of one sweep
 * check ends its thread, and with it the sweep checks running beside it; they run once more on a new thread
 * if their own deadline leaves time, else answer what they observed so far (a partial observation, stored; the
 * next sweep checks them again), never an error.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { type CheckOptions, type CheckPhase, DEFAULT_TIMEOUT_MS, useLoadedDiagnose } from '../check.js';
import * as diagnoseModule from '../diagnose.js';
import type { Diagnosis } from '../rules/types.js';
import { type CheckObservation, observedOf } from '../scheduler/observe.js';
import { YieldGate, type YieldTimes } from '../yield-gate.js';
import { HARD_DEADLINE_GRACE_MS, type PhaseLog, partialDiagnosis } from './deadline.js';
import type { WorkerPriority } from './priority.js';
import { isPhaseMessage, type WorkerTask } from './task.js';

// A check past its hard deadline is diagnosed here, at once: the rules are loaded with the pool, not then.
useLoadedDiagnose(diagnoseModule);

export type Lane = 'interactive' | 'sweep';

export interface CheckPoolOptions {
  /** worker threads; default from the CPU count (2 per CPU, at least 2, at most 16) */
  size?: number;
  /** threads that run sweep checks, at most; default half of `size` (one per core), at least 1 */
  sweepShare?: number;
  /** sweep checks one sweep thread runs at once (CERT_DOCTOR_SWEEP_PER_THREAD); default SWEEP_PER_THREAD */
  sweepPerThread?: number;
  /** CPU priority of the pool's threads (priority.ts); default `idle` */
  priority?: WorkerPriority;
  /** keep this many threads warm; default min(2, size) */
  minThreads?: number;
  /** worker entry override (tests); default the sibling check-worker module (see workerFile) */
  filename?: string;
  /** added to the hard deadline past the probe's own; default HARD_DEADLINE_GRACE_MS */
  graceMs?: number;
  /** how long pool threads wait at the yield gate (tests); default yield-gate.ts MAX_WAIT_MS / FREE_RUN_MS */
  yieldTimes?: YieldTimes;
}

export interface PoolStats {
  threads: number;
  /** worker threadIds alive now (a terminated one disappears, its replacement appears) */
  threadIds: number[];
  /** threadIds of the sweep lane's own threads */
  sweepThreadIds: number[];
  running: Record<Lane, number>;
  queuedSweeps: number;
  /** checks ended by the hard deadline since the pool started */
  expired: number;
  /** sweep checks whose thread ended under them, by a co-running check's deadline or its death */
  interrupted: number;
  /** sweep checks run again after another check's deadline ended their thread (once each, within their deadline) */
  retried: number;
}

export interface CheckPool {
  /** check() in a worker; same contract as check(): throws only for a bad target or our own bug */
  check(input: string, opts: CheckOptions): Promise<Diagnosis>;
  /**
   * check(), answered as the observation the sweep stores (scheduler/observe.ts observedOf of the same
   * check's diagnosis): the worker reduces it, so only that crosses back to this thread
   */
  observe(input: string, opts: CheckOptions): Promise<CheckObservation>;
  stats(): PoolStats;
  /**
   * The main thread is answering a burst of requests (true) or done (false): pool threads hold their heavy
   * synchronous steps meanwhile (yield-gate.ts)
   */
  holdForPeople(busy: boolean): void;
  /** sweep checks in flight at most (sweep threads × checks per thread): the scheduler's concurrency */
  readonly sweepSlots: number;
  close(): Promise<void>;
}

/**
 * Sweep checks one sweep thread runs at once. A light sweep check spends most of its time waiting on its
 * server (connect, handshake, GET); with one per thread the machine stayed 3–9 % idle through a sweep while
 * raw handshakes (16 in flight) left it 0–1 % idle. 4 per thread, 2 threads on 2 cores: 8 in flight, the
 * scheduler's default concurrency. Sweeping 10,000 endpoints (a leaf each; bench/sweep.ts --bot, issue 8
 * round 4): 1 per thread 154 and 179 checks/s at 8.6–9.9 ms of CPU per check, 4 per thread 228–235 checks/s at
 * 6.7–6.8 ms (not profiled; likely a thread waking once for several sockets' events, not once per step).
 */
export const SWEEP_PER_THREAD = 4;
/** an interrupted sweep check is run again only with at least this much (or a quarter of its time) left */
const RETRY_MIN_MS = 1000;

/**
 * A check allocates in short bursts (a report, parsed certificates) and keeps almost nothing between checks
 * (about 10 MiB live per thread: the modules, the trust store). V8's default young generation (up to 3 × 16
 * MiB semi-spaces on 64-bit) lets every thread's heap settle at 40–65 MiB; with 4 MiB the scavenger runs more
 * often on the same small live set (the bot's peak RSS over a 10,000-endpoint sweep: 264 MiB with 4, 271–287
 * with 8, no measurable change in CPU per check; bench/sweep.ts --bot).
 *
 * The old generation's cap matters for its growth, not as a limit: V8 lets a heap grow to its live size times
 * a factor before the next full collection, 1.3–2.0 for a heap capped below 2 GiB and 4.0 above (heap-controller
 * MaxGrowingFactor); uncapped, a worker gets the main thread's limit (~4 GiB here) and the 4.0. With 512 MiB,
 * 1.4: four busy threads held 370–396 MiB of RSS (pool and tsx main thread), 282–286 MiB with the cap, at the
 * same CPU per check (bench/sweep.ts; issue 8: < 300 MB while sweeping 10,000 endpoints). 512 MiB is fifty
 * times a thread's live set: every input is capped far below it (handshake bytes, bodies, CRLs, which are
 * Buffers outside the heap anyway); a check that still hit it would end its thread, and the pool answers it
 * as a failed check and starts another thread (test/pool.test.ts).
 */
const YOUNG_GENERATION_MB = 4;
const OLD_GENERATION_MB = 512;

export function defaultPoolSize(cpus = availableParallelism()): number {
  return Math.max(2, Math.min(16, cpus * 2));
}

/**
 * The worker entry next to this module: `check-worker.ts` when running from source (under tsx, which the
 * worker then loads too), `check-worker.js` when compiled or bundled. Convention for bundles: emit
 * src/pool/check-worker.ts as its own entry point, `check-worker.js`, in the directory of the bundle that
 * contains this module.
 */
export function workerFile(moduleUrl = import.meta.url): { filename: string; execArgv: string[] } {
  const fromSource = moduleUrl.endsWith('.ts');
  const filename = new URL(fromSource ? './check-worker.ts' : './check-worker.js', moduleUrl).href;
  const inherited = workerExecArgv(process.execArgv);
  const hasTsx = inherited.some((a, i) => /(^|\/)tsx(\/|$)/.test(a) && inherited[i - 1] === '--import');
  // resolved from here, not by name: a bare `--import tsx` is looked up from the process's cwd
  const tsx = () => ['--import', import.meta.resolve('tsx')];
  return { filename, execArgv: fromSource && !hasTsx ? [...inherited, ...tsx()] : inherited };
}

/**
 * The process's flags a worker thread needs and accepts: module loaders (`--import`, `--require`,
 * `--loader`, with their values), `--conditions` and source maps. Other flags are per process (`--trace-gc`,
 * `--max-old-space-size`, `--inspect`…): Node refuses a Worker started with them (ERR_WORKER_INVALID_EXEC_ARGV),
 * which took the whole bot down when it was started as `node --trace-gc bin/cert-doctor.mjs start`.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const withValue = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const name = a.split('=')[0]!;
    if (withValue.has(name)) {
      out.push(a);
      if (!a.includes('=') && i + 1 < execArgv.length) out.push(execArgv[++i]!);
    } else if (a === '--enable-source-maps') out.push(a);
  }
  return out;
}

export function createCheckPool(opts: CheckPoolOptions = {}): CheckPool {
  const size = Math.max(1, opts.size ?? defaultPoolSize());
  const sweepShare = Math.max(1, Math.min(size, opts.sweepShare ?? Math.floor(size / 2)));
  const perThread = Math.max(1, Math.floor(opts.sweepPerThread ?? SWEEP_PER_THREAD));
  const sweepSlots = sweepShare * perThread;
  const entry = workerFile();
  const gate = new YieldGate(opts.yieldTimes);
  const common = {
    filename: opts.filename ?? entry.filename,
    execArgv: entry.execArgv,
    idleTimeout: 60_000,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB, maxOldGenerationSizeMb: OLD_GENERATION_MB },
    workerData: { priority: opts.priority ?? 'idle', yieldGate: gate.init },
  };
  const piscina = new Piscina<WorkerTask, Diagnosis | CheckObservation>({
    ...common,
    maxThreads: size,
    minThreads: Math.min(size, opts.minThreads ?? 2),
    concurrentTasksPerWorker: 1,
  });
  const sweepPiscina = new Piscina<WorkerTask, Diagnosis | CheckObservation>({
    ...common,
    maxThreads: sweepShare,
    minThreads: 0,
    concurrentTasksPerWorker: perThread,
    // piscina's own balancer runs a task that has an AbortSignal (every check: the hard deadline) alone on its
    // thread, and reports such a thread's usage as Infinity; here it counts as one. An aborted task still ends
    // its thread (piscina), and the tasks beside it are rejected with it (sweepCoRunnerEnded).
    loadBalancer: (_task, workers) => {
      let best: (typeof workers)[number] | null = null;
      let bestUsage = perThread;
      for (const w of workers) {
        const usage = w.isRunningAbortableTask ? 1 : w.currentUsage;
        if (w.terminating || w.destroyed || usage >= bestUsage) continue;
        best = w;
        bestUsage = usage;
      }
      return best;
    },
  });
  const graceMs = opts.graceMs ?? HARD_DEADLINE_GRACE_MS;
  const running: Record<Lane, number> = { interactive: 0, sweep: 0 };
  const sweepQueue: Array<() => void> = [];
  let expired = 0;
  let interrupted = 0;
  let retried = 0;
  let closed = false;
  let lastTaskId = 0;
  /** the phase listener of each check in a worker, by task id (task.ts PhaseMessage) */
  const listeners = new Map<number, (phase: CheckPhase, detail: string) => void>();
  const onMessage = (m: unknown) => {
    if (isPhaseMessage(m)) listeners.get(m.certDoctorPhase)?.(m.phase as CheckPhase, m.detail);
  };
  piscina.on('message', onMessage);
  sweepPiscina.on('message', onMessage);

  const pump = () => {
    while (
      sweepQueue.length > 0 &&
      running.sweep < sweepSlots &&
      running.interactive + Math.ceil((running.sweep + 1) / perThread) <= size &&
      piscina.queueSize === 0
    ) {
      running.sweep++;
      sweepQueue.shift()!();
    }
  };

  /** One check in a worker under the hard deadline; resolves with a partial diagnosis when it passes. */
  async function runInWorker(
    input: string,
    opts: CheckOptions,
    reduce?: 'observation',
  ): Promise<Diagnosis | CheckObservation> {
    if (opts.lookup) throw new TypeError('a custom lookup cannot cross into a worker thread; use check() directly');
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const now = opts.now();
    const phases: PhaseLog = [];
    const taskId = ++lastTaskId;
    // a phase that arrives after the answer (another port than piscina's) is dropped with the listener
    listeners.set(taskId, (phase, detail) => {
      phases.push({ phase, detail });
      try {
        opts.onPhase?.(phase, detail);
      } catch {
        // progress callbacks never break a check
      }
    });
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs + graceMs);
    const task: WorkerTask = {
      taskId,
      input,
      // every plain option crosses (a new CheckOptions field must be added here and to TransferableOptions)
      options: {
        allow: opts.allow,
        extraCaPem: opts.extraCaPem,
        ruleOptions: opts.ruleOptions,
        caFiles: opts.caFiles,
        http: opts.http,
        profile: opts.profile,
        lane: opts.lane,
      },
      nowIso: now.toISOString(),
      deadlineAt: Date.now() + timeoutMs,
      ...(reduce ? { reduce } : {}),
      ...(opts.onPhase ? {} : { phases: reduce === 'observation' ? ('none' as const) : ('deadline' as const) }),
    };
    const sweep = opts.lane === 'sweep';
    const lane = sweep ? sweepPiscina : piscina;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await lane.run(task, { signal: abort.signal });
        } catch (err) {
          const ownDeadline = abort.signal.aborted;
          if (!ownDeadline && !(sweep && sweepCoRunnerEnded(err))) throw err;
          if (ownDeadline) expired++;
          else interrupted++;
          // Ended by another check's deadline, through no fault of its endpoint: run once more, on a new thread,
          // within the same deadline. A blind observation would count towards the policy's `unreachable` (two in
          // a row), and the next sweep is hours away. A thread that died (out of memory, exit) is not retried:
          // which of its checks killed it is unknown, and running them again could end the new thread the same way.
          const retry =
            attempt === 1 &&
            !ownDeadline &&
            !closed &&
            terminatedByOther(err) &&
            task.deadlineAt - Date.now() >= Math.max(RETRY_MIN_MS, timeoutMs / 4);
          if (!retry) break;
          retried++;
          phases.length = 0;
        }
      }
      const partial = await partialDiagnosis({
        input,
        phases,
        timeoutMs,
        elapsedMs: performance.now() - started,
        now,
        options: opts,
      });
      return reduce === 'observation' ? observedOf(partial) : partial;
    } finally {
      listeners.delete(taskId);
      clearTimeout(timer);
    }
  }

  /**
   * A sweep check's thread ended under it: terminated at another sweep check's hard deadline (piscina:
   * 'Terminating worker thread'), or dead (out of memory: a check beside it outgrew the heap cap; or exited).
   * The check did not finish through no fault of its endpoint: it runs once more on a new thread if time is
   * left, else answers its partial observation like a check past its own deadline.
   */
  function sweepCoRunnerEnded(err: unknown): boolean {
    const e = err as { message?: unknown; code?: unknown } | null;
    return (
      terminatedByOther(err) ||
      e?.code === 'ERR_WORKER_OUT_OF_MEMORY' ||
      (typeof e?.message === 'string' && e.message.startsWith('worker exited with code'))
    );
  }
  /** piscina's rejection of the tasks on a thread it ended at one task's abort (its hard deadline) */
  function terminatedByOther(err: unknown): boolean {
    return (err as { message?: unknown } | null)?.message === 'Terminating worker thread';
  }

  /** Waits for the check's lane to have room, runs it, frees the room. */
  async function inLane<R>(opts: CheckOptions, run: () => Promise<R>): Promise<R> {
    if (closed) throw new Error('the check pool is closed');
    const lane: Lane = opts.lane ?? 'interactive';
    if (lane === 'sweep') {
      await new Promise<void>((release) => {
        sweepQueue.push(release);
        pump();
      });
    } else {
      running.interactive++;
    }
    try {
      return await run();
    } finally {
      running[lane]--;
      pump();
    }
  }

  return {
    check: (input, opts) => inLane(opts, () => runInWorker(input, opts) as Promise<Diagnosis>),
    observe: (input, opts) => inLane(opts, () => runInWorker(input, opts, 'observation') as Promise<CheckObservation>),
    stats: () => ({
      threads: piscina.threads.length,
      threadIds: piscina.threads.map((t) => t.threadId),
      sweepThreadIds: sweepPiscina.threads.map((t) => t.threadId),
      running: { ...running },
      queuedSweeps: sweepQueue.length,
      expired,
      interrupted,
      retried,
    }),
    holdForPeople: (busy) => gate.hold(busy),
    sweepSlots,
    async close() {
      gate.hold(false);
      closed = true;
      await Promise.all([piscina.destroy(), sweepPiscina.destroy()]);
    },
  };
}
