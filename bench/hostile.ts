/**
 * Issue 7 bench: 200 concurrent signed `/cert check` requests against the real Bolt app whose checks run
 * in the worker pool, first with nothing else running (the quiet baseline), then while 8 checks of the
 * hostile chain (a leaf and 75 same-name CA certificates with 3072-bit moduli and ~3070-bit exponents)
 * run, in the same process and the same run. Reports ack p50/p99 of both and their ratio. The TLS
 * servers and the load generator are separate processes (bench/slack-peer.ts). Loopback only.
 *
 * Alone: `node --import tsx bench/hostile.ts` (BENCH_HOSTILE_N to change the 200, BENCH_WORKERS the pool size).
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { createCheckPool, defaultPoolSize } from '../src/pool/index.js';
import { SIGNING_SECRET, startHarness } from '../test/support/slack-harness.js';
import { PEER, peer, type Quantiles, quantiles } from './slack.js';

const DEADLINE_MS = 180_000;
const HOSTILE_CHECKS = 8;

export interface HostileReport {
  requests: number;
  workers: number;
  quiet: Quantiles;
  underHostile: Quantiles;
  /** hostile-chain checks running (a worker busy with one) when the burst was written */
  hostileRunning: number;
  /** hostile checks not yet answered when every ack of the burst was in: they overlapped the whole burst */
  hostileUnfinished: number;
  p99Ratio: number;
  allAcked: boolean;
  /**
   * the app's event-loop delay p99/max during each burst (ms): a blocked loop shows here; slower acks with
   * an unblocked loop are CPU shared with the workers and the machine
   */
  loopDelay: { quiet: { p99: number; max: number }; underHostile: { p99: number; max: number } };
  loadAvg1m: number;
}

export async function runHostileBench(n = Number(process.env.BENCH_HOSTILE_N ?? 200)): Promise<HostileReport> {
  const normal = await peer(['tls'], DEADLINE_MS);
  const hostile = await peer(['hostile'], DEADLINE_MS);
  const tls = JSON.parse(normal.line) as { port: number; rootPem: string };
  const bad = JSON.parse(hostile.line) as { port: number; rootPem: string };
  const workers = Number(process.env.BENCH_WORKERS ?? defaultPoolSize());
  const pool = createCheckPool({ size: workers, minThreads: workers });
  const h = await startHarness({
    extraCaPem: [tls.rootPem, bad.rootPem],
    check: pool.check,
    env: { CERT_DOCTOR_MAX_PROBES: String(n * 3), CERT_DOCTOR_TIMEOUT_MS: '10000' },
  });
  try {
    const appUrl = `http://127.0.0.1:${h.app.port}/slack/events`;
    const burst = async (count: number) => {
      const args = ['load', appUrl, SIGNING_SECRET, String(count), String(tls.port), h.fake.responseUrl('')];
      return JSON.parse((await peer(args, DEADLINE_MS)).line) as [number, number | null][];
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
    const settle = async (expected: number) =>
      h.fake.waitUntil(() => (answered() >= expected ? true : undefined), `${expected} answers`, DEADLINE_MS);
    await burst(20); // warm-up: Bolt, SQLite, every worker thread
    await settle(20);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const delay = () => ({
      p99: Math.round(loop.percentile(99) / 1e5) / 10,
      max: Math.round(loop.max / 1e5) / 10,
    });
    loop.enable();
    const quiet = await burst(n);
    loop.disable();
    const quietDelay = delay();
    loop.reset();
    await settle(20 + n);
    // The burst's connections are opened first; the hostile checks are then dispatched, and the burst is written
    // the moment they hold the workers (their chain walks are well under a second each with the path caps, so
    // any wait in between — a process start, a sleep — would let them finish before the burst arrives).
    const loudPeer = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        PEER,
        'load',
        appUrl,
        SIGNING_SECRET,
        String(n),
        String(tls.port),
        h.fake.responseUrl(''),
        '--on-go',
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: loudPeer.stdout! })[Symbol.asyncIterator]();
    if ((await lines.next()).value !== 'ready') throw new Error('the load peer did not get ready');
    const hostileSent = Array.from({ length: HOSTILE_CHECKS }, (_, i) =>
      h.req.command({ text: `check 127.0.0.1:${bad.port}`, channel: `CH${i}`, user: `UH${i}` }),
    );
    await Promise.all(hostileSent);
    await h.fake.waitUntil(
      () => (pool.stats().running.interactive >= Math.min(HOSTILE_CHECKS, workers) ? true : undefined),
      'hostile checks running',
      DEADLINE_MS,
    );
    const hostileRunning = pool.stats().running.interactive;
    loop.enable();
    loudPeer.stdin!.write('go\n');
    const loud = JSON.parse(String((await lines.next()).value)) as [number, number | null][];
    answered();
    const hostileAnswered = hostileAnswers;
    loudPeer.stdin!.end();
    loop.disable();
    const loudDelay = delay();
    await settle(20 + n + HOSTILE_CHECKS + n);
    const q = quantiles(quiet.map(([, ms]) => ms));
    const l = quantiles(loud.map(([, ms]) => ms));
    return {
      requests: n,
      workers,
      quiet: q,
      underHostile: l,
      hostileRunning,
      hostileUnfinished: HOSTILE_CHECKS - hostileAnswered,
      p99Ratio: Math.round((l.p99 / q.p99) * 100) / 100,
      allAcked: [...quiet, ...loud].every(([status]) => status === 200),
      loopDelay: { quiet: quietDelay, underHostile: loudDelay },
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
  return [
    `hostile chains (issue 7): ${r.requests} concurrent /cert check acks, checks in ${r.workers} worker threads`,
    `  quiet baseline            ${q(r.quiet)}`,
    `  while ${r.hostileRunning} hostile checks in flight ${q(r.underHostile)} (${r.hostileUnfinished} of ${HOSTILE_CHECKS} still unanswered after the last ack)`,
    `  ack p99 ratio ${r.p99Ratio}× the quiet baseline; all acked 200: ${r.allAcked ? 'yes' : 'NO'}`,
    `  app event-loop delay p99/max: quiet ${r.loopDelay.quiet.p99}/${r.loopDelay.quiet.max} ms, hostile ${r.loopDelay.underHostile.p99}/${r.loopDelay.underHostile.max} ms (load average ${r.loadAvg1m} on this machine)`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatHostileReport(await runHostileBench()));
}
