/**
 * The sweep bench against the bot as it runs: the compiled bot (`node bin/cert-doctor.mjs start`, HTTP mode)
 * in a process of its own, against the local fake Slack, over a database seeded with the subscriptions, its
 * scheduler and pool left to their defaults. Its memory is read from /proc (VmRSS sampled every 50 ms, VmHWM
 * at the end), so the figure is the bot's alone: tsx, the fake Slack, the test PKI, the servers and the
 * raw-handshake threads live in other processes (the bench's own, the servers').
 *
 * Sweep wall time: from the first check's start (the earliest observation's time) to the moment every
 * subscription has been checked (its last_checked_at set; the sweep commits in batches, so this is the last
 * commit), read from the database by the bench every 100 ms. Linux only (/proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { watchContext } from '../src/scheduler/wire.js';
import { openDb } from '../src/store/db.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { SIGNING_SECRET } from '../test/support/slack-harness.js';
import { SlackRequester } from '../test/support/slack-requests.js';
import { benchName, rawHandshakes, startServers } from './sweep-fixture.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The scheduler ticks at once at start (nothing is due yet), then every 30 s: the sweep starts at the second tick. */
const DUE_AFTER_MS = 10_000;

export interface BotSweepInput {
  count: number;
  ports: number[];
  caFile: string;
  /** the servers' process: its CPU per sweep check is printed too (the other side of every handshake) */
  serversPid?: number;
}

/** Jiffies of the whole machine, all CPUs: busy and idle (idle + iowait), from the first line of /proc/stat. */
function machineCpu(): { busy: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: f.slice(0, 8).reduce((a, b) => a + b, 0) - idle, idle };
}

interface Mem {
  rss: number;
  hwm: number;
  /** RssAnon (heaps, malloc) and RssFile (the node binary and libraries mapped from disk) */
  anon: number;
  file: number;
  threads: number;
}

/** VmRSS, VmHWM (kB → bytes) and the thread count of a process, from /proc/PID/status. */
function memOf(pid: number): Mem | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? Number.NaN) * 1024;
    return {
      rss: kb('VmRSS'),
      hwm: kb('VmHWM'),
      anon: kb('RssAnon'),
      file: kb('RssFile'),
      threads: Number(/^Threads:\s+(\d+)/m.exec(s)?.[1]),
    };
  } catch {
    return null;
  }
}

/**
 * user + system CPU of a process, or of one of its threads, ms (/proc/PID[/task/TID]/stat fields 14 and 15, in
 * clock ticks of 10 ms). The main thread's id is the process's.
 */
function cpuOf(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const mib = (b: number) => (b / 1048576).toFixed(0);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? Number.NaN;
}

async function until<T>(probe: () => T | undefined | false, what: string, ms: number, every = 100): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (performance.now() > end) throw new Error(`sweep bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * The servers, the raw-handshake baseline, the bot's sweep, the baseline again. The baseline runs at the
 * pool workers' priority (CERT_DOCTOR_WORKER_PRIORITY as the bot reads it, default idle; sweep-fixture.ts)
 * before and after the sweep, and the sweep is held against their mean: other processes on the machine (a
 * shared CI box) load it unevenly over the minutes a sweep takes, and below their priority the workers get a
 * fraction of what normal raw threads get. The normal-priority figure is printed too.
 */
export async function runBotSweepBench(count: number): Promise<string> {
  const fx = await startServers(count);
  try {
    const ca = readFileSync(fx.caFile, 'utf8');
    // the bot inherits this environment: the priority its pool threads run at
    const priority = loadConfig({
      CERT_DOCTOR_WORKER_PRIORITY: process.env.CERT_DOCTOR_WORKER_PRIORITY,
    }).workerPriority;
    const atNice0 = await rawHandshakes(fx.ports, count, ca);
    const servers0 = cpuOf(fx.child.pid!);
    const machine0 = machineCpu();
    const client0 = process.cpuUsage();
    const before = await rawHandshakes(fx.ports, count, ca, priority);
    const client = process.cpuUsage(client0);
    const clientPerRaw = (client.user + client.system) / 1000 / before.done;
    const serversPerRaw = (cpuOf(fx.child.pid!) - servers0) / before.done;
    const machine1 = machineCpu();
    const rawIdle = (machine1.idle - machine0.idle) / (machine1.busy - machine0.busy + machine1.idle - machine0.idle);
    const sweep = await runBotSweep({ count, ports: fx.ports, caFile: fx.caFile, serversPid: fx.child.pid });
    const after = await rawHandshakes(fx.ports, count, ca, priority);
    const baseline = (before.perSec + after.perSec) / 2;
    const pct = (x: number) => `${((sweep.perSec / x) * 100).toFixed(1)} %`;
    const head = [
      `  raw TLS handshakes (same run, same servers, from the bench process) at the workers' priority (${priority}): ${before.perSec.toFixed(0)}/s before the sweep, ${after.perSec.toFixed(0)}/s after, baseline ${baseline.toFixed(0)}/s; at normal priority before the sweep ${atNice0.perSec.toFixed(0)}/s`,
      `    during the baseline: the servers' process ${serversPerRaw.toFixed(1)} ms CPU per handshake, the machine ${(rawIdle * 100).toFixed(0)} % idle`,
    ];
    // What the ratio would be on a machine that only this runs on, both sides CPU-bound: CPU per raw handshake
    // (client, the bench process, + servers) over CPU per sweep check (the bot + servers). Independent of
    // other processes' load, unlike the wall-clock ratio; it ignores idle time either side leaves.
    const rawCpu = clientPerRaw + serversPerRaw;
    const sweepCpu = sweep.botCpuMs + sweep.serversCpuMs;
    const cpuLine = `  CPU per raw handshake ${rawCpu.toFixed(1)} ms (client ${clientPerRaw.toFixed(1)} + servers ${serversPerRaw.toFixed(1)}), per sweep check ${sweepCpu.toFixed(1)} ms (bot ${sweep.botCpuMs.toFixed(1)} + servers ${sweep.serversCpuMs.toFixed(1)}): CPU-bound ratio ${((rawCpu / sweepCpu) * 100).toFixed(1)} %`;
    const [first, ...rest] = sweep.text
      .replace(
        '{RATIO}',
        `${pct(baseline)} of the baseline (target ≥ 60 %); ${pct(atNice0.perSec)} of the normal-priority figure`,
      )
      .split('\n');
    return [first, ...head, ...rest, cpuLine].join('\n');
  } finally {
    fx.child.kill('SIGTERM');
  }
}

/** The sweep line's ratio is left as `{RATIO}` for the caller, which measures the baseline around it. */
export async function runBotSweep(
  input: BotSweepInput,
): Promise<{ text: string; perSec: number; botCpuMs: number; serversCpuMs: number }> {
  const { count, ports } = input;
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-sweep-bot-'));
  const dbPath = join(dir, 'bot.db');
  // seeding is not measured (and not the bot's memory): this process writes the rows, then closes the database
  const seedDb = openDb(dbPath);
  const watch = watchContext(seedDb, { sweepEveryMs: 6 * 3_600_000, cap: count });
  const dueAt = new Date(Date.now() + DUE_AFTER_MS);
  seedDb.pragma('synchronous = OFF');
  for (let i = 0; i < count; i++) {
    await watch.subscriptions.add({
      channel: `C${i % 50}`,
      target: `${benchName(i)}:${ports[i % ports.length]}`,
      createdBy: 'U1',
      thresholds: [30, 14, 7, 3, 1],
      now: new Date(),
      nextCheckAt: dueAt,
      cap: count,
    });
  }
  seedDb.close();
  const fake = await startFakeSlack();
  let child: ChildProcess | undefined;
  const db = new Database(dbPath, { readonly: true });
  try {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLACK_')));
    child = spawn(
      process.execPath,
      [
        // e.g. BENCH_BOT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (the pool's threads inherit it too)
        ...(process.env.BENCH_BOT_NODE_ARGS ?? '').split(' ').filter(Boolean),
        '--import',
        join(root, 'bench/sweep-resolver.mjs'),
        join(root, 'bin/cert-doctor.mjs'),
        'start',
      ],
      {
        cwd: dir,
        env: {
          ...env,
          NODE_OPTIONS: '',
          SLACK_BOT_TOKEN: 'xoxb-test-token',
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: fake.apiUrl,
          PORT: '0',
          CERT_DOCTOR_DB: dbPath,
          CERT_DOCTOR_CA: input.caFile,
          CERT_DOCTOR_ALLOW: '127.0.0.0/8',
          CERT_DOCTOR_WATCH_CAP: String(Math.max(500, count)),
          // the pinger's /cert check every 200 ms must not meet the per-user rate limit (the router's, tested there)
          CERT_DOCTOR_CHECKS_PER_MINUTE: '10000',
          LOG_LEVEL: 'info',
        },
        // BENCH_BOT_STDOUT=FILE keeps the bot's stdout (e.g. --trace-gc lines) for a look afterwards
        stdio: [
          'ignore',
          process.env.BENCH_BOT_STDOUT ? openSync(process.env.BENCH_BOT_STDOUT, 'w') : 'ignore',
          'pipe',
        ],
      },
    );
    const pid = child.pid!;
    let err = '';
    child.stderr!.on('data', (c: Buffer) => {
      err += c;
      if (err.length > 1_000_000) err = err.slice(-100_000);
    });
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    exited.then((code) => {
      if (code !== null && code !== 0)
        process.stderr.write(`sweep bench: the bot exited (${code}):\n${err.slice(-2000)}\n`);
    });
    const port = await until(
      () => {
        if (child!.exitCode !== null) throw new Error(`sweep bench: the bot exited (${child!.exitCode})`);
        return /"port":(\d+)/.exec(err)?.[1];
      },
      'the bot to listen',
      60_000,
    );
    const req = new SlackRequester(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, (id) =>
      fake.responseUrl(id),
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = memOf(pid)!;
    const checked = db.prepare('SELECT COUNT(*) AS n FROM subscriptions WHERE last_checked_at IS NOT NULL');
    const done = () => (checked.get() as { n: number }).n;
    // the sweep's start is known afterwards (the earliest observation); memory is sampled from now on
    const samples: Array<{ t: number; rss: number }> = [];
    let top: Mem = idle;
    const sampler = setInterval(() => {
      const m = memOf(pid);
      if (!m) return;
      samples.push({ t: Date.now(), rss: m.rss });
      if (m.rss > top.rss) top = m;
    }, 50);
    const acks: number[] = [];
    /** Web API calls the bot made (its reminders are none here: every certificate has months left) */
    const slackCalls = new Map<string, number>();
    let sweeping = true;
    const pinger = (async () => {
      for (let i = 0; sweeping; i++) {
        if (done() > 0)
          acks.push((await req.command({ text: `check ping${i}.bench.test:${ports[0]}`, channel: 'CBENCH' })).ackMs);
        if (acks.length > 0) for (const c of fake.calls) slackCalls.set(c.method, (slackCalls.get(c.method) ?? 0) + 1);
        fake.calls.length = 0;
        fake.messages.length = 0;
        fake.responses.length = 0;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    // the bot's CPU at every poll: the sweep's share is read from the poll just before its first check started
    const cpuAt: Array<{
      t: number;
      ms: number;
      main: number;
      servers: number;
      machine: { busy: number; idle: number };
    }> = [];
    const serversPid = input.serversPid;
    await until(
      () => {
        cpuAt.push({
          t: Date.now(),
          ms: cpuOf(pid),
          main: cpuOf(pid, pid),
          servers: serversPid === undefined ? Number.NaN : cpuOf(serversPid),
          machine: machineCpu(),
        });
        return done() >= count;
      },
      'the sweep to finish',
      3_600_000,
    );
    const end = Date.now();
    const peak = memOf(pid)!;
    sweeping = false;
    await pinger;
    clearInterval(sampler);
    const start = (db.prepare('SELECT MIN(at) AS at FROM observations').get() as { at: number }).at;
    const from = cpuAt.findLast((c) => c.t <= start) ?? cpuAt[0]!;
    const cpuMs = cpuAt.at(-1)!.ms - from.ms;
    const mainMs = cpuAt.at(-1)!.main - from.main;
    const serversMs = cpuAt.at(-1)!.servers - from.servers;
    const busy = cpuAt.at(-1)!.machine.busy - from.machine.busy;
    const idleShare =
      (cpuAt.at(-1)!.machine.idle - from.machine.idle) / (busy + cpuAt.at(-1)!.machine.idle - from.machine.idle);
    const during = samples.filter((s) => s.t >= start).map((s) => s.rss);
    const tenth = Math.max(1, Math.ceil(during.length / 10));
    const byTenth = Array.from({ length: Math.ceil(during.length / tenth) }, (_, i) =>
      Math.max(...during.slice(i * tenth, (i + 1) * tenth)),
    );
    // every name's own leaf must verify: a fixture that broke would be fast for the wrong reason
    const verdicts = db.prepare('SELECT verdict, COUNT(*) AS n FROM observations GROUP BY verdict').all() as Array<{
      verdict: string;
      n: number;
    }>;
    const codes = db
      .prepare(
        "SELECT codes, COUNT(*) AS n FROM observations WHERE verdict <> 'ok' GROUP BY codes ORDER BY n DESC LIMIT 3",
      )
      .all() as Array<{ codes: string; n: number }>;
    const wallMs = end - start;
    const perSec = count / (wallMs / 1000);
    const text = [
      `sweep bench, the bot as it runs (compiled bin/cert-doctor.mjs start, HTTP mode, fake Slack; pid ${pid}, ${peak.threads} threads): ${count} watched endpoints`,
      `  sweep: ${(wallMs / 1000).toFixed(1)} s wall, ${perSec.toFixed(0)} checks/s = {RATIO}`,
      `  bot CPU (all its threads) per sweep check ${(cpuMs / count).toFixed(1)} ms, its main thread ${(mainMs / count).toFixed(2)} ms = ${((mainMs / wallMs) * 100).toFixed(0)} % of a core (pinged checks included)`,
      `  the servers' process ${(serversMs / count).toFixed(1)} ms CPU per sweep check; the machine (${availableParallelism()} CPUs, every process) ${(idleShare * 100).toFixed(0)} % idle during the sweep`,
      `  bot RSS: peak ${mib(Math.max(...during))} MiB during the sweep, VmHWM ${mib(peak.hwm)} MiB over its life (target < 300 MB = 286 MiB); at the peak ${mib(top.anon)} MiB anonymous (heaps, malloc), ${mib(top.file)} MiB mapped files (the node binary, libraries); ${mib(idle.rss)} MiB idle after start-up`,
      `  bot RSS peak per tenth of the sweep (MiB): ${byTenth.map(mib).join(' ')}`,
      `  observations by verdict: ${verdicts.map((v) => `${v.verdict} ${v.n}`).join(', ')}${codes.length > 0 ? ` (not ok: ${codes.map((c) => `${c.codes} ×${c.n}`).join('; ')})` : ''}`,
      `  /cert check to the bot during the sweep: ack p50 ${pct(acks, 0.5).toFixed(1)} ms, p99 ${pct(acks, 0.99).toFixed(1)} ms over ${acks.length} commands; Slack Web API calls per command: ${[...slackCalls].map(([m, n]) => `${m} ${(n / Math.max(1, acks.length)).toFixed(1)}`).join(', ')}`,
    ].join('\n');
    return { text, perSec, botCpuMs: cpuMs / count, serversCpuMs: serversMs / count };
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    db.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
