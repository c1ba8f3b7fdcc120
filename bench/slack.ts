/**
 * Slack benchmark: N concurrent signed `/cert check` requests against the real Bolt app (HTTP receiver)
 * probing a loopback TLS endpoint, with the fake Slack Web API. Measures ack latency (client-side, from
 * writing the request to reading the HTTP status line, all N written in one tick on open connections,
 * bench/burst.ts), the same generator's floor against a bare HTTP server in the same run, diagnoses
 * completed per second (until every "Checking…" message was updated into its diagnosis) and peak RSS of
 * the app's process. The load generator and the TLS server run in their own processes
 * (bench/slack-peer.ts) so they do not share the app's event loop. Loopback only; every wait is bounded.
 *
 * Alone: `node --import tsx bench/slack.ts` (BENCH_SLACK_N to change N; BENCH_SLACK_JSON=FILE writes the
 * reports with every per-request sample; BENCH_SLACK_PROFILE=FILE.cpuprofile profiles the app's ack window).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { FakeSlack } from '../test/support/fake-slack.js';
import { SIGNING_SECRET, startHarness } from '../test/support/slack-harness.js';
import { recordServerAcks } from './server-acks.js';

export const PEER = new URL('./slack-peer.ts', import.meta.url).pathname;

/** Runs bench/slack-peer.ts in its own process; resolves with its first stdout line. */
export async function peer(args: string[], timeoutMs: number): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', PEER, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill(), timeoutMs);
  let buf = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    buf += d;
  });
  const line = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      check();
      reject(new Error(`slack-peer ${args[0]} exited with ${code} before answering`));
    });
  });
  clearTimeout(timer);
  return { child, line };
}

export interface Report {
  name: 'slack';
  requests: number;
  /** CERT_DOCTOR_MAX_PROBES during the run */
  maxProbes: number;
  /** requests answered "busy, try again in N s" (ephemeral) by the concurrent-probe cap */
  refused: number;
  ackMs: Quantiles;
  /** the load generator's floor: the same burst against a bare HTTP server that answers at once */
  clientFloorMs: Quantiles;
  /** ack p50 and p99 over the floor's, as a ratio and a difference in ms (same run, same generator) */
  overFloor: { p50Ratio: number; p99Ratio: number; p50DiffMs: number; p99DiffMs: number };
  /** the same, measured inside the app's process (request seen → response finished) */
  serverAckMs: Quantiles;
  /**
   * ms each queued request adds to the acks after it (slope of the sorted client-side latencies from p5 to
   * p95): with one event loop, p99 ≈ n × this. The app's, and the floor's bare server's.
   */
  msPerQueuedRequest: { app: number; bare: number };
  /** process CPU from the first request to the last ack, per ack: the app's, and the floor's bare server's */
  cpuMsPerAck: { app: number; bare: number };
  /** per request, in the order written: client-side ack ms (null: no status line), and the floor's */
  samples: { ackMs: (number | null)[]; floorMs: (number | null)[]; serverAckMs: number[] };
  /** every ack was HTTP 200 */
  allAcked: boolean;
  /** parents updated into a diagnosis (block_id headline:*) */
  diagnoses: number;
  /** parents updated into an error notice instead (check_failed & co.) */
  notices: number;
  /** from the first request reaching the app to the last diagnosis posted */
  wallMs: number;
  /** CPU time of the app's process (with the fake Slack API) per request, ack to final update */
  cpuMsPerCheck: number;
  diagnosesPerSec: number;
  peakRssMb: number;
  /** ack p99 below the 100 ms target */
  ackTargetMet: boolean;
  /** the machine's 1-minute load average at the end: latencies on a shared box are not comparable without it */
  loadAvg1m: number;
}

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const DEADLINE_MS = 120_000;
const WARMUP = 20;

/**
 * The load generator's own floor: the same burst against a bare HTTP server that answers 200 once the
 * body is read (in this otherwise idle process). Client-side ack times above this are the app's.
 */
async function clientFloor(
  n: number,
  tlsPort: number,
): Promise<{ acks: [number, number | null][]; cpuMsPerAck: number }> {
  const bare = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  bare.listen(0, '127.0.0.1');
  await once(bare, 'listening');
  const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/slack/events`;
  const server = await recordServerAcks(n);
  try {
    const line = (await peer(['load', url, 'unused', String(n), String(tlsPort), url], DEADLINE_MS)).line;
    return { acks: JSON.parse(line) as [number, number | null][], cpuMsPerAck: server.cpuMsPerAck() };
  } finally {
    await server.stop();
    bare.closeAllConnections();
    bare.close();
  }
}

/** Ephemeral refusals from the abuse limits (busy / rate_limited), answered through the response_url. */
function refusals(fake: FakeSlack): number {
  return fake.responses.filter((r) => /"notice:(busy|rate_limited)"/.test(JSON.stringify(r.body))).length;
}

/** Parent messages updated into their final state: a diagnosis (headline:*) or an error notice. */
function finals(fake: FakeSlack) {
  return fake
    .callsOf('chat.update')
    .filter((c) =>
      ((c.args.blocks as { block_id?: string }[] | undefined) ?? []).some((b) =>
        /^(headline|notice):/.test(b.block_id ?? ''),
      ),
    );
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const round = (n: number) => Math.round(n * 10) / 10;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Quantiles of the answered samples; a missing answer (null) counts as infinitely slow. */
export function quantiles(samples: (number | null)[]): Quantiles {
  const sorted = samples.map((ms) => ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const at = (q: number) => round(quantile(sorted, q));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? Number.NaN) };
}

function slope(samples: (number | null)[]): number {
  const sorted = samples.map((ms) => ms ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const [lo, hi] = [Math.floor(sorted.length * 0.05), Math.floor(sorted.length * 0.95)];
  return hi > lo ? Math.round((((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) / (hi - lo)) * 1000) / 1000 : Number.NaN;
}

function overFloor(ack: Quantiles, floor: Quantiles): Report['overFloor'] {
  return {
    p50Ratio: Math.round((ack.p50 / floor.p50) * 100) / 100,
    p99Ratio: Math.round((ack.p99 / floor.p99) * 100) / 100,
    p50DiffMs: round(ack.p50 - floor.p50),
    p99DiffMs: round(ack.p99 - floor.p99),
  };
}

export interface SlackBenchOptions {
  /** concurrent requests (default BENCH_SLACK_N or 200) */
  n?: number;
  /** CERT_DOCTOR_MAX_PROBES for the run; default: no effective cap (every request is diagnosed) */
  maxProbes?: number;
  /** write a V8 CPU profile of the app's process from the first request to the last ack here */
  profile?: string;
}

export async function runSlackBench(opts: SlackBenchOptions = {}): Promise<Report> {
  const n = opts.n ?? Number(process.env.BENCH_SLACK_N ?? 200);
  const maxProbes = opts.maxProbes ?? n + WARMUP;
  const tls = await peer(['tls'], DEADLINE_MS);
  const { port: tlsPort, rootPem } = JSON.parse(tls.line) as { port: number; rootPem: string };
  const h = await startHarness({ extraCaPem: [rootPem], env: { CERT_DOCTOR_MAX_PROBES: String(maxProbes) } });
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  try {
    const appUrl = `http://127.0.0.1:${h.app.port}/slack/events`;
    const burst = async (count: number) => {
      const args = ['load', appUrl, SIGNING_SECRET, String(count), String(tlsPort), h.fake.responseUrl('')];
      const before = finals(h.fake).length;
      const refusedBefore = refusals(h.fake);
      const acks = JSON.parse((await peer(args, DEADLINE_MS)).line) as [number, number | null][];
      const settled = () => finals(h.fake).length - before + refusals(h.fake) - refusedBefore;
      await h.fake.waitUntil(() => (settled() >= count ? true : undefined), `${count} answers`, DEADLINE_MS);
      return { acks, done: finals(h.fake).slice(before), refused: refusals(h.fake) - refusedBefore };
    };
    // A running bot is warm: JIT, lazily built clients and connection pools are not what we measure.
    await burst(WARMUP);
    const floor = await clientFloor(n, tlsPort);
    const server = await recordServerAcks(n, opts.profile);
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const { acks, done, refused } = await burst(n).finally(() => server.stop());
    // From the first request reaching the app, not from spawning the load generator.
    const wallMs = performance.now() - (server.firstAt() ?? started);
    const cpu = process.cpuUsage(cpu0);
    const diagnoses = done.filter((c) => JSON.stringify(c.args.blocks).includes('"headline:')).length;
    const ackMs = quantiles(acks.map(([, ms]) => ms));
    const clientFloorMs = quantiles(floor.acks.map(([, ms]) => ms));
    const cpuMsPerAck = { app: server.cpuMsPerAck(), bare: floor.cpuMsPerAck };
    return {
      name: 'slack',
      requests: n,
      maxProbes,
      refused,
      ackMs,
      clientFloorMs,
      overFloor: overFloor(ackMs, clientFloorMs),
      serverAckMs: quantiles(server.times),
      msPerQueuedRequest: { app: slope(acks.map(([, ms]) => ms)), bare: slope(floor.acks.map(([, ms]) => ms)) },
      cpuMsPerAck: { app: round3(cpuMsPerAck.app), bare: round3(cpuMsPerAck.bare) },
      samples: {
        ackMs: acks.map(([, ms]) => ms),
        floorMs: floor.acks.map(([, ms]) => ms),
        serverAckMs: server.times.map(round),
      },
      allAcked: acks.length === n && acks.every(([status]) => status === 200),
      diagnoses,
      notices: done.length - diagnoses,
      wallMs: Math.round(wallMs),
      cpuMsPerCheck: round((cpu.user + cpu.system) / 1000 / n),
      diagnosesPerSec: round((diagnoses / wallMs) * 1000),
      peakRssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1048576),
      ackTargetMet: ackMs.p99 < 100,
      loadAvg1m: round(loadavg()[0] ?? 0),
    };
  } finally {
    clearInterval(rssTimer);
    await h.close();
    tls.child.stdin?.end();
    await once(tls.child, 'exit');
  }
}

export function formatSlackReport(r: Report): string {
  return [
    `slack: ${r.requests} concurrent signed /cert check → loopback TLS, fake Slack Web API, CERT_DOCTOR_MAX_PROBES=${r.maxProbes}`,
    `  ack      p50 ${r.ackMs.p50} ms  p90 ${r.ackMs.p90} ms  p99 ${r.ackMs.p99} ms  max ${r.ackMs.max} ms  (target p99 < 100 ms: ${r.ackTargetMet ? 'met' : 'MISSED'}; all 200: ${r.allAcked})`,
    `  floor    p50 ${r.clientFloorMs.p50} ms  p90 ${r.clientFloorMs.p90} ms  p99 ${r.clientFloorMs.p99} ms  max ${r.clientFloorMs.max} ms  (same generator vs. a bare HTTP server, this run)`,
    `  over floor p50 ${r.overFloor.p50Ratio}× (+${r.overFloor.p50DiffMs} ms)  p99 ${r.overFloor.p99Ratio}× (+${r.overFloor.p99DiffMs} ms)`,
    `  ack (server side) p50 ${r.serverAckMs.p50} ms  p90 ${r.serverAckMs.p90} ms  p99 ${r.serverAckMs.p99} ms  max ${r.serverAckMs.max} ms`,
    `  queueing each request adds ${r.msPerQueuedRequest.app} ms to the acks after it (bare server: ${r.msPerQueuedRequest.bare} ms; p99 ≈ n × this)`,
    `  CPU per ack ${r.cpuMsPerAck.app} ms in the app vs ${r.cpuMsPerAck.bare} ms in the bare server (${round(r.cpuMsPerAck.app / r.cpuMsPerAck.bare)}×; first request → last ack)`,
    `  done     ${r.diagnoses} diagnoses + ${r.notices} notices + ${r.refused} refused (busy) in ${r.wallMs} ms → ${r.diagnosesPerSec} diagnoses/s`,
    `  CPU      ${r.cpuMsPerCheck} ms per check in the app process (ack + probe + Web API calls + fake Slack)`,
    `  peak RSS ${r.peakRssMb} MB (the app process, with the fake Slack API; load generator and TLS server run apart)`,
    `  load avg ${r.loadAvg1m} (1 min) on ${availableParallelism()} CPUs`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const reports = [await runSlackBench({ profile: process.env.BENCH_SLACK_PROFILE })];
  console.log(formatSlackReport(reports[0]!));
  // The same burst with the default cap: the limiter refuses what would crowd the event loop.
  reports.push(await runSlackBench({ maxProbes: 8 }));
  console.log(formatSlackReport(reports[1]!));
  // Per-request samples, for plots and for checking that a quantile is not one outlier.
  if (process.env.BENCH_SLACK_JSON) writeFileSync(process.env.BENCH_SLACK_JSON, JSON.stringify(reports, null, 1));
}
