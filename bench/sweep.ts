/**
 * Sweep bench (issue 8): one sweep of N watched endpoints (default 10 000; BENCH_SWEEP_COUNT or argv[2])
 * wired as `cert-doctor start` wires it — the same check pool (size from the same config, the sweep lane
 * and sweep profile), the same SQLite stores (WAL, synchronous=FULL), the scheduler with its defaults —
 * against loopback TLS: many names on a few servers (another process) through SNI, a leaf certificate of
 * its own per name (bench/sweep-servers.ts), and an injected resolver (bench/sweep-worker.ts: the production
 * worker with `*.bench.test` resolving to 16 loopback addresses).
 *
 * Printed: sweep wall time against the raw TLS handshake throughput of this machine measured in the same
 * run (node:tls handshakes at concurrency 16 from one thread per core, same servers, same names); peak RSS
 * of the bot process (pool threads included, servers excluded); SQLite time per sweep; and, while the
 * sweep runs, the ack time of `/cert check` slash commands sent every 200 ms to the real Bolt app and the
 * time to the diagnosis of those checks (interactive lane of the same pool) against the same checks idle.
 * Loopback only; `node --import tsx bench/sweep.ts 2000`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatCore } from '../src/chat/core.js';
import type { ChatCore } from '../src/chat/port.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createCheckPool, defaultPoolSize } from '../src/pool/index.js';
import type { ReminderSink } from '../src/scheduler/sink.js';
import { createScheduler, watchContext } from '../src/scheduler/wire.js';
import { type Db, openDb } from '../src/store/db.js';
import { startHarness } from '../test/support/slack-harness.js';
import { benchName, RAW_CONCURRENCY, rawHandshakes, SERVERS, startServers } from './sweep-fixture.js';

/** No reminder is owed (the certificates have months left); a sink that would only record them. */
const nullSink: ReminderSink = { post: async () => ({ ts: '1.1' }), find: async () => null };

/** Peak RSS, and the peak within each tenth of the run (does memory grow as the sweep goes on?). */
function rssSampler() {
  let samples: number[] = [];
  // memoryUsage.rss(): memoryUsage() also walks the heap's spaces, 0.15 ms of this thread 20 times a second
  let timer = setInterval(() => samples.push(process.memoryUsage.rss()), 50);
  return {
    restart: () => {
      samples = [];
      timer = setInterval(() => samples.push(process.memoryUsage.rss()), 50);
    },
    stop: () => {
      clearInterval(timer);
      samples.push(process.memoryUsage.rss());
      const tenth = Math.max(1, Math.ceil(samples.length / 10));
      const byTenth = Array.from({ length: Math.ceil(samples.length / tenth) }, (_, i) =>
        Math.max(...samples.slice(i * tenth, (i + 1) * tenth)),
      );
      return { peak: Math.max(...samples), byTenth };
    },
  };
}

/** Observations whose endpoints carry a scanned protocol set (the bench reads its own database). */
function fullSteps(db: Db): number {
  const row = db
    .prepare(`SELECT COUNT(*) AS n FROM observations WHERE endpoints NOT LIKE '%"protocols":null%'`)
    .get() as { n: number };
  return row.n;
}

/**
 * CPU of this process's main thread alone, ms (/proc/self/task/PID/stat utime + stime, 10 ms ticks): the
 * event loop's utilisation also counts time the thread waited for a core the workers held.
 */
export function mainThreadCpuMs(pid = process.pid): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? Number.NaN;
}

export async function runSweepBench(count = Number(process.env.BENCH_SWEEP_COUNT ?? 10_000)): Promise<string> {
  const fx = await startServers(count);
  const ca = readFileSync(fx.caFile, 'utf8');
  // this process before the pool and the app exist: tsx, the modules loaded, the test CA (servers are another process)
  const benchOnlyRss = process.memoryUsage().rss;
  const names = Array.from({ length: count }, (_, i) => benchName(i));
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-sweep-bench-'));
  // the configuration `cert-doctor start` reads, defaults except what loopback needs
  const config = loadConfig({ CERT_DOCTOR_ALLOW: '127.0.0.0/8', CERT_DOCTOR_DB: join(dir, 'sweep.db') });
  const compiled = existsSync(new URL('../dist/check-worker.js', import.meta.url));
  const workerSource = compiled ? 'compiled dist/check-worker.js' : 'src/pool/check-worker.ts under tsx';
  const size = config.workers ?? Math.min(defaultPoolSize(), config.limits.maxConcurrentProbes);
  const pool = createCheckPool({
    size,
    filename: new URL(compiled ? './sweep-worker-dist.mjs' : './sweep-worker.ts', import.meta.url).href,
    priority: config.workerPriority,
  });
  const db = openDb(config.dbPath);
  const interactive: number[] = [];
  const timedCheck: ChatCore['check'] = async (input, opts) => {
    const t0 = performance.now();
    try {
      return await pool.check(input, opts);
    } finally {
      interactive.push(performance.now() - t0);
    }
  };
  const harness = await startHarness({ extraCaPem: [ca], check: timedCheck });
  const lines: string[] = [];
  try {
    const cpuRaw0 = process.cpuUsage();
    // at the pool workers' priority, as the sweep's checks run (sweep-fixture.ts)
    const raw = await rawHandshakes(fx.ports, count, ca, config.workerPriority);
    const rawPerSec = raw.perSec;
    const rawCpuMs = cpuMs(process.cpuUsage(cpuRaw0)) / raw.done;
    const watch = watchContext(db, { sweepEveryMs: config.sweepEveryMs, cap: count });
    const now = new Date();
    // seeding is not measured: no fsync per row while the 10 000 rows go in
    db.pragma('synchronous = OFF');
    for (const [i, name] of names.entries()) {
      await watch.subscriptions.add({
        channel: `C${i % 50}`,
        target: `${name}:${fx.ports[i % SERVERS]}`,
        createdBy: 'U1',
        thresholds: [30, 14, 7, 3, 1],
        now,
        nextCheckAt: now,
        cap: count,
      });
    }
    db.pragma('synchronous = FULL');
    // the scheduler's clock jumps a sweep interval ahead for the second sweep
    let ahead = 0;
    const scheduler = createScheduler({
      watch,
      core: chatCore(config, [ca], pool),
      sink: nullSink,
      clock: () => new Date(Date.now() + ahead),
      log: createLogger({ level: 'error' }),
    });
    const ping = (i: number) =>
      harness.req.command({ text: `check ping${i}.bench.test:${fx.ports[0]}`, channel: 'CBENCH' });
    // the same interactive checks with no sweep running: the idle baseline for the time to a diagnosis
    for (let i = 0; i < 10; i++) {
      await ping(i);
      await waitFor(() => interactive.length > i, 30_000);
    }
    const idle = interactive.splice(0);
    const acks: number[] = [];
    let sweeping = true;
    const pinger = (async () => {
      for (let i = 100; sweeping; i++) {
        acks.push((await ping(i)).ackMs);
        // the fake Slack is not the bot: its record of every call would grow with the sweep's length
        harness.fake.calls.length = 0;
        harness.fake.messages.length = 0;
        harness.fake.responses.length = 0;
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    const restRss = process.memoryUsage().rss;
    const rss = rssSampler();
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const t0 = performance.now();
    const result = await scheduler.tick();
    const wallMs = performance.now() - t0;
    const mainMs = mainThreadCpuMs() - main0;
    const elu = performance.eventLoopUtilization(elu0);
    const cpuPerCheck = cpuMs(process.cpuUsage(cpu0));
    sweeping = false;
    await pinger;
    const { peak: peakRss, byTenth } = rss.stop();
    rss.restart();
    if (result.role !== 'active') throw new Error('the bench scheduler did not get the lease');
    const perSec = result.sweep.checked / (wallMs / 1000);
    const checkCpuMs = cpuPerCheck / result.sweep.checked;
    const stats = pool.stats();
    const scanned = fullSteps(db);
    // The second sweep, 6 h + 10 % later on the scheduler's clock: the sweep profile now skips the no-SNI
    // handshake and the version scan of targets the worker that checks them has seen (src/probe/profile.ts).
    ahead = config.sweepEveryMs * 1.1;
    const cpu1 = process.cpuUsage();
    const t1 = performance.now();
    const second = await scheduler.tick();
    const wall2 = performance.now() - t1;
    const cpu2 = cpuMs(process.cpuUsage(cpu1));
    const peak2 = rss.stop().peak;
    if (second.role !== 'active') throw new Error('the bench scheduler lost the lease');
    const perSec2 = second.sweep.checked / (wall2 / 1000);
    const scanned2 = fullSteps(db) - scanned;
    lines.push(
      `sweep bench: ${result.sweep.checked} watched endpoints on ${SERVERS} servers (SNI names, injected resolver), pool ${stats.threads}/${size} threads (${workerSource}), scheduler defaults`,
      `  raw TLS handshakes: ${rawPerSec.toFixed(0)}/s (baseline, same run: ${availableParallelism()} threads at the workers' priority (${config.workerPriority}), ${RAW_CONCURRENCY} in flight)`,
      `  sweep: ${(wallMs / 1000).toFixed(1)} s wall, ${perSec.toFixed(0)} checks/s = ${((perSec / rawPerSec) * 100).toFixed(1)} % of raw handshakes (target ≥ 60 %)`,
      `  CPU (user + system, all threads of the bot process) per sweep check ${checkCpuMs.toFixed(1)} ms (the pinged checks included) vs ${rawCpuMs.toFixed(1)} ms per raw handshake, client side: ${(checkCpuMs / rawCpuMs).toFixed(1)}×`,
      `  peak RSS of this process ${(peakRss / 1048576).toFixed(0)} MiB: the bot's pool and app plus the bench (tsx, fake Slack, pinger), not the bot alone (that figure: --bot); ${(restRss / 1048576).toFixed(0)} MiB before the sweep (pool warm, app up); ${(benchOnlyRss / 1048576).toFixed(0)} MiB before the pool and the app started (bench only); main heap after ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`,
      `  RSS peak per tenth of the sweep (MiB): ${byTenth.map((b) => (b / 1048576).toFixed(0)).join(' ')}`,
      `  SQLite time ${result.sweep.storeMs.toFixed(0)} ms per sweep (${((result.sweep.storeMs / wallMs) * 100).toFixed(1)} % of wall); main thread busy ${(elu.utilization * 100).toFixed(0)} % of the sweep (event loop utilisation), its CPU ${(mainMs / result.sweep.checked).toFixed(2)} ms per sweep check (pinged checks and the bench's fake Slack included)`,
      `  /cert check during the sweep: ack p50 ${pct(acks, 0.5).toFixed(1)} ms, p99 ${pct(acks, 0.99).toFixed(1)} ms over ${acks.length} commands`,
      `  second sweep (6.6 h later): ${(wall2 / 1000).toFixed(1)} s wall, ${perSec2.toFixed(0)} checks/s = ${((perSec2 / rawPerSec) * 100).toFixed(1)} % of raw handshakes; CPU ${(cpu2 / second.sweep.checked).toFixed(1)} ms per check; peak RSS ${(peak2 / 1048576).toFixed(0)} MiB`,
      `  checks that ran the version scan (sweep profile, counted per worker thread): first sweep ${scanned} of ${result.sweep.checked}, second ${scanned2} of ${second.sweep.checked}`,
      `  time to the diagnosis (interactive lane): during the sweep p50 ${pct(interactive, 0.5).toFixed(0)} ms, p99 ${pct(interactive, 0.99).toFixed(0)} ms, slowest ${[
        ...interactive,
      ]
        .sort((a, b) => b - a)
        .slice(0, 3)
        .map((x) => x.toFixed(0))
        .join(', ')} ms; idle p50 ${pct(idle, 0.5).toFixed(0)} ms`,
    );
    return lines.join('\n');
  } finally {
    await harness.close();
    await pool.close();
    db.close();
    fx.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(pred: () => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > until) throw new Error('the interactive check did not finish');
    await new Promise((r) => setTimeout(r, 10));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const n = args.find((a) => /^\d+$/.test(a));
  if (args.includes('--bot')) {
    // the compiled bot in a process of its own (bench/sweep-bot.ts): its RSS is the bot's alone
    const { runBotSweepBench } = await import('./sweep-bot.js');
    console.log(await runBotSweepBench(n ? Number(n) : Number(process.env.BENCH_SWEEP_COUNT ?? 10_000)));
  } else console.log(await runSweepBench(n ? Number(n) : undefined));
}
