/**
 * Issue 7 bench: 200 concurrent signed `/cert check` requests against the real Bolt app whose checks run
 * in the worker pool, first with nothing else running (the quiet baseline), then while 8 checks of the
 * hostile chain (a leaf and 75 same-name CA certificates with 3072-bit moduli and ~3070-bit exponents)
 * run, in the same process and the same run. Reports ack p50/p99 of both and their ratio. The TLS
 * servers and the load generator are separate processes (bench/slack-peer.ts). Loopback only.
 *
 * The quiet and hostile bursts alternate for BENCH_HOSTILE_ROUNDS rounds (default 10): one pair is at the mercy
 * of whatever else the machine does in that second (one burst's p99 is its 2nd-slowest ack); the pooled p99 (2000 acks
 * a side) and the median of the rounds' ratios are steadier.
 *
 * Alone: `node --import tsx bench/hostile.ts` (BENCH_HOSTILE_N to change the 200, BENCH_WORKERS the pool size).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { createCheckPool, defaultPoolSize } from '../src/pool/index.js';
import { SCHED_IDLE, threadPolicy } from '../src/pool/priority.js';
import { SIGNING_SECRET, startHarness } from '../test/support/slack-harness.js';
import { PEER, peer, type Quantiles, quantiles } from './slack.js';

const DEADLINE_MS = 180_000;
const HOSTILE_CHECKS = 8;

export interface HostileRound {
  quiet: Quantiles;
  underHostile: Quantiles;
  /** hostile-chain checks running (a worker busy with one) when the burst was written */
  hostileRunning: number;
  /** hostile checks not yet answered when every ack of the burst was in: they overlapped the whole burst */
  hostileUnfinished: number;
  p99Ratio: number;
  /**
   * the app's event-loop delay p99/max during each burst (ms): a blocked loop shows here; slower acks with
   * an unblocked loop are CPU shared with the workers and the machine
   */
  loopDelay: { quiet: { p99: number; max: number }; underHostile: { p99: number; max: number } };
  /** the app's main thread during each burst (/proc/thread-self/schedstat): CPU it got, time it waited for a core */
  mainThread: { quiet: ThreadTime; underHostile: ThreadTime } | undefined;
  /** the app's other threads during each burst: pool threads (SCHED_IDLE) and the rest (V8 platform/GC, libuv pool) */
  otherThreads: { quiet: Record<ThreadClass, ThreadTime>; underHostile: Record<ThreadClass, ThreadTime> } | undefined;
}

export interface ThreadTime {
  cpuMs: number;
  waitMs: number;
}

export interface HostileReport {
  requests: number;
  workers: number;
  rounds: HostileRound[];
  /** every round's acks pooled */
  quiet: Quantiles;
  underHostile: Quantiles;
  /** pooled p99 under hostile checks / pooled quiet p99 */
  p99Ratio: number;
  /** the median of the rounds' own ratios (each round: quiet then hostile, back to back) */
  medianRoundRatio: number;
  allAcked: boolean;
  loadAvg1m: number;
}

const mark = (name: string) => {
  if (process.env.BENCH_MARKS) process.stderr.write(`mark ${name} ${process.hrtime.bigint() / 1000n}\n`);
};

/** The calling thread's CPU and run-queue wait so far (Linux schedstat), undefined elsewhere. */
function threadTime(): ThreadTime | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return { cpuMs: (cpu ?? 0) / 1e6, waitMs: (wait ?? 0) / 1e6 };
  } catch {
    return undefined;
  }
}

/** CPU and run-queue wait of every thread of this process by class, from /proc/self/task/<tid>/schedstat and stat. */
type ThreadClass = 'pool' | 'other';
function threadClasses(): Map<string, { cls: ThreadClass; cpu: number; wait: number }> | undefined {
  const out = new Map<string, { cls: ThreadClass; cpu: number; wait: number }>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      if (tid === String(process.pid)) continue; // the main thread is measured on its own
      try {
        const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        const cls: ThreadClass = threadPolicy(tid) === SCHED_IDLE ? 'pool' : 'other';
        out.set(tid, { cls, cpu: cpu ?? 0, wait: wait ?? 0 });
      } catch {
        // the thread ended
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

function classSince(t0: ReturnType<typeof threadClasses>): Record<ThreadClass, ThreadTime> | undefined {
  const t1 = threadClasses();
  if (!t0 || !t1) return undefined;
  const sum: Record<ThreadClass, ThreadTime> = { pool: { cpuMs: 0, waitMs: 0 }, other: { cpuMs: 0, waitMs: 0 } };
  for (const [tid, b] of t1) {
    const a = t0.get(tid) ?? { cpu: 0, wait: 0 };
    sum[b.cls].cpuMs += (b.cpu - a.cpu) / 1e6;
    sum[b.cls].waitMs += (b.wait - a.wait) / 1e6;
  }
  for (const k of ['pool', 'other'] as const) {
    sum[k] = { cpuMs: Math.round(sum[k].cpuMs), waitMs: Math.round(sum[k].waitMs) };
  }
  return sum;
}

function since(t0: ThreadTime | undefined): ThreadTime | undefined {
  const t1 = threadTime();
  if (!t0 || !t1) return undefined;
  return { cpuMs: Math.round(t1.cpuMs - t0.cpuMs), waitMs: Math.round(t1.waitMs - t0.waitMs) };
}

export async function runHostileBench(
  n = Number(process.env.BENCH_HOSTILE_N ?? 200),
  roundCount = Number(process.env.BENCH_HOSTILE_ROUNDS ?? 10),
): Promise<HostileReport> {
  const normal = await peer(['tls'], DEADLINE_MS);
  const hostile = await peer(['hostile'], DEADLINE_MS);
  const tls = JSON.parse(normal.line) as { port: number; rootPem: string };
  const bad = JSON.parse(hostile.line) as { port: number; rootPem: string };
  // BENCH_HOSTILE_CONTROL=1: the 8 checks go to a port that accepts and never answers instead (benign checks in
  // flight for their whole timeout): what checks in flight cost the acks, hostile or not
  const control = process.env.BENCH_HOSTILE_CONTROL ? await silentServer() : null;
  const workers = Number(process.env.BENCH_WORKERS ?? defaultPoolSize());
  // BENCH_YIELD_WAIT_MS: the yield gate's longest wait (default yield-gate.ts MAX_WAIT_MS), to compare settings
  const maxWaitMs = Number(process.env.BENCH_YIELD_WAIT_MS) || undefined;
  const pool = createCheckPool({
    size: workers,
    minThreads: workers,
    ...(maxWaitMs ? { yieldTimes: { maxWaitMs } } : {}),
  });
  const h = await startHarness({
    extraCaPem: [tls.rootPem, bad.rootPem],
    check: pool.check,
    // as `cert-doctor start` wires it (chatCore with the pool): bursts hold the pool's heavy steps
    ...(process.env.BENCH_NO_YIELD ? {} : { holdChecks: pool.holdForPeople }),
    env: { CERT_DOCTOR_MAX_PROBES: String(n * 3), CERT_DOCTOR_TIMEOUT_MS: '10000' },
  });
  try {
    const appUrl = `http://127.0.0.1:${h.app.port}/slack/events`;
    const loadArgs = (count: number) => [
      'load',
      appUrl,
      SIGNING_SECRET,
      String(count),
      String(tls.port),
      h.fake.responseUrl(''),
    ];
    const burst = async (count: number) =>
      JSON.parse((await peer(loadArgs(count), DEADLINE_MS)).line) as [number, number | null][];
    /** a load peer with its connections open, waiting for `go` (so a burst's window starts at the write) */
    const readyPeer = async (count: number) => {
      const child = spawn(process.execPath, ['--import', 'tsx', PEER, ...loadArgs(count), '--on-go'], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      if ((await lines.next()).value !== 'ready') throw new Error('the load peer did not get ready');
      return {
        go: async () => {
          child.stdin!.write('go\n');
          const acks = JSON.parse(String((await lines.next()).value)) as [number, number | null][];
          child.stdin!.end();
          return acks;
        },
      };
    };
    // Counted incrementally: this runs on every fake Slack call, in the app's own event loop; re-reading every
    // update each time (quadratic) stalled that loop for 100–400 ms and showed up as slow acks.
    let seen = 0;
    let answers = 0;
    let hostileAnswers = 0;
    const answered = () => {
      for (; seen < h.fake.calls.length; seen++) {
        const c = h.fake.calls[seen]!;
        if (c.method !== 'chat.update' || !/"(headline|notice):/.test(JSON.stringify(c.args.blocks ?? []))) continue;
        answers++;
        if (/^CH\d/.test(String(c.args.channel))) hostileAnswers++;
      }
      return answers;
    };
    let expected = 0;
    const settle = async (more: number) => {
      expected += more;
      await h.fake.waitUntil(() => (answered() >= expected ? true : undefined), `${expected} answers`, DEADLINE_MS);
    };
    await burst(20); // warm-up: Bolt, SQLite, every worker thread
    await settle(20);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const delay = () => ({
      p99: Math.round(loop.percentile(99) / 1e5) / 10,
      max: Math.round(loop.max / 1e5) / 10,
    });
    const rounds: HostileRound[] = [];
    const all = { quiet: [] as (number | null)[], loud: [] as (number | null)[], statuses: [] as number[] };
    for (let r = 0; r < roundCount; r++) {
      const quietPeer = await readyPeer(n);
      loop.reset();
      loop.enable();
      let t0 = threadTime();
      let c0 = threadClasses();
      mark('quiet-start');
      const quiet = await quietPeer.go();
      mark('quiet-end');
      const quietThread = since(t0);
      const quietClasses = classSince(c0);
      loop.disable();
      const quietDelay = delay();
      loop.reset();
      await settle(n);
      // The burst's connections are opened first; the hostile checks are then dispatched, and the burst is
      // written the moment they hold the workers (their chain walks are well under a second each with the path
      // caps, so any wait in between — a process start, a sleep — would let them finish before the burst).
      const loudPeer = await readyPeer(n);
      const before = hostileAnswers;
      const hostileSent = Array.from({ length: HOSTILE_CHECKS }, (_, i) =>
        h.req.command({ text: `check 127.0.0.1:${control?.port ?? bad.port}`, channel: `CH${i}`, user: `UH${i}` }),
      );
      await Promise.all(hostileSent);
      await h.fake.waitUntil(
        () => (pool.stats().running.interactive >= Math.min(HOSTILE_CHECKS, workers) ? true : undefined),
        'hostile checks running',
        DEADLINE_MS,
      );
      const hostileRunning = pool.stats().running.interactive;
      loop.enable();
      t0 = threadTime();
      c0 = threadClasses();
      mark('loud-start');
      const loud = await loudPeer.go();
      mark('loud-end');
      const loudThread = since(t0);
      const loudClasses = classSince(c0);
      answered();
      const hostileAnswered = hostileAnswers - before;
      loop.disable();
      const loudDelay = delay();
      await settle(HOSTILE_CHECKS + n);
      const q = quantiles(quiet.map(([, ms]) => ms));
      const l = quantiles(loud.map(([, ms]) => ms));
      all.quiet.push(...quiet.map(([, ms]) => ms));
      all.loud.push(...loud.map(([, ms]) => ms));
      all.statuses.push(...[...quiet, ...loud].map(([status]) => status));
      rounds.push({
        quiet: q,
        underHostile: l,
        hostileRunning,
        hostileUnfinished: HOSTILE_CHECKS - hostileAnswered,
        p99Ratio: Math.round((l.p99 / q.p99) * 100) / 100,
        loopDelay: { quiet: quietDelay, underHostile: loudDelay },
        mainThread: quietThread && loudThread ? { quiet: quietThread, underHostile: loudThread } : undefined,
        otherThreads: quietClasses && loudClasses ? { quiet: quietClasses, underHostile: loudClasses } : undefined,
      });
    }
    const q = quantiles(all.quiet);
    const l = quantiles(all.loud);
    const ratios = rounds.map((r) => r.p99Ratio).sort((a, b) => a - b);
    return {
      requests: n,
      workers,
      rounds,
      quiet: q,
      underHostile: l,
      p99Ratio: Math.round((l.p99 / q.p99) * 100) / 100,
      medianRoundRatio: ratios[Math.floor(ratios.length / 2)] ?? Number.NaN,
      allAcked: all.statuses.every((status) => status === 200),
      loadAvg1m: Math.round(loadavg()[0]! * 10) / 10,
    };
  } finally {
    await h.close();
    await pool.close();
    normal.child.stdin?.end();
    hostile.child.stdin?.end();
  }
}

export function formatHostileReport(r: HostileReport): string {
  const q = (x: Quantiles) => `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms`;
  const t = (x: ThreadTime) => `cpu ${x.cpuMs} ms, waited ${x.waitMs} ms`;
  return [
    `hostile chains (issue 7): ${r.requests} concurrent /cert check acks, checks in ${r.workers} worker threads, ${r.rounds.length} rounds (quiet burst, then a burst while ${HOSTILE_CHECKS} hostile-chain checks run)`,
    ...r.rounds.map(
      (x, i) =>
        `  round ${i + 1}: quiet ${q(x.quiet)} | hostile (${x.hostileRunning} running, ${x.hostileUnfinished} of ${HOSTILE_CHECKS} unanswered after the last ack) ${q(x.underHostile)} = ${x.p99Ratio}×` +
        `\n           loop delay p99/max quiet ${x.loopDelay.quiet.p99}/${x.loopDelay.quiet.max} ms, hostile ${x.loopDelay.underHostile.p99}/${x.loopDelay.underHostile.max} ms` +
        (x.mainThread
          ? `; app main thread quiet ${t(x.mainThread.quiet)}, hostile ${t(x.mainThread.underHostile)}`
          : '') +
        (x.otherThreads
          ? `\n           pool threads quiet ${t(x.otherThreads.quiet.pool)}, hostile ${t(x.otherThreads.underHostile.pool)}; other threads quiet ${t(x.otherThreads.quiet.other)}, hostile ${t(x.otherThreads.underHostile.other)}`
          : ''),
    ),
    `  all rounds: quiet ${q(r.quiet)}; while hostile checks run ${q(r.underHostile)}`,
    `  ack p99 ratio ${r.p99Ratio}× the quiet baseline (median of the rounds' ratios ${r.medianRoundRatio}×); all acked 200: ${r.allAcked ? 'yes' : 'NO'} (load average ${r.loadAvg1m})`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatHostileReport(await runHostileBench()));
}

/** Accepts connections and never writes: a check against it waits out its timeout. */
async function silentServer(): Promise<{ port: number }> {
  const held: Socket[] = [];
  const server = createServer((socket) => {
    held.push(socket);
    socket.on('error', () => {});
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port };
}
