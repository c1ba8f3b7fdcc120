/**
 * Sweep bench (issue 8): one sweep of N watched endpoints (default 10 000; BENCH_SWEEP_COUNT or argv[2])
 * against loopback TLS: many names on a few servers through SNI (a wildcard certificate each) and an
 * injected resolver. Printed against a baseline measured in the same run with the same concurrency: raw
 * TLS handshakes per second (node:tls, same servers, same names). Also: peak RSS, SQLite time per sweep,
 * and the ack p99 of `/cert check` slash commands sent to the real Bolt app while the sweep runs.
 * Loopback only; `node --import tsx bench/sweep.ts 2000`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { check } from '../src/check.js';
import { createLogger } from '../src/log.js';
import { Scheduler } from '../src/scheduler/index.js';
import type { ReminderSink } from '../src/scheduler/sink.js';
import { makeChain } from '../test/support/pki.js';
import { startTlsServer } from '../test/support/servers.js';
import { startHarness } from '../test/support/slack-harness.js';
import { watchStores } from '../test/support/watch-fixture.js';

const SERVERS = 4;
const CONCURRENCY = Number(process.env.BENCH_SWEEP_CONCURRENCY ?? 16);

/** Reminders are not what is measured: a sink that records them (none are owed: 60 days left). */
const nullSink: ReminderSink = { post: async () => ({ ts: '1.1' }), find: async () => null };

async function handshakes(ports: number[], names: string[], ca: string): Promise<number> {
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: ports[i % ports.length]!, servername: names[i]!, ca }, () => {
        s.end();
        resolve();
      });
      s.on('error', () => resolve());
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < names.length) await one(next++);
    }),
  );
  return names.length / ((performance.now() - t0) / 1000);
}

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

export async function runSweepBench(count = Number(process.env.BENCH_SWEEP_COUNT ?? 10_000)): Promise<string> {
  const chain = await makeChain({ leaf: { subject: 'CN=*.bench.test', dnsNames: ['*.bench.test'] } });
  const servers = await Promise.all(
    Array.from({ length: SERVERS }, () => startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem })),
  );
  const ports = servers.map((s) => s.port);
  const names = Array.from({ length: count }, (_, i) => `n${i}.bench.test`);
  const dir = mkdtempSync(join(tmpdir(), 'cert-doctor-sweep-bench-'));
  const stores = watchStores(join(dir, 'sweep.db'));
  const harness = await startHarness({ extraCaPem: [chain.root.pem] });
  try {
    const rawPerSec = await handshakes(ports, names.slice(0, Math.min(count, 2000)), chain.root.pem);
    const now = new Date();
    for (const [i, name] of names.entries()) {
      await stores.subscriptions.add({
        channel: `C${i % 50}`,
        target: `${name}:${ports[i % SERVERS]}`,
        createdBy: 'U1',
        thresholds: [30, 14, 7, 3, 1],
        now,
        nextCheckAt: now,
        cap: count,
      });
    }
    const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];
    const scheduler = new Scheduler({
      ...stores,
      core: {
        check: (input, opts) => check(input, { ...opts, lookup }),
        checkDefaults: { allow: ['127.0.0.0/8'], extraCaPem: [chain.root.pem], timeoutMs: 10_000 },
      },
      sink: nullSink,
      clock: () => now,
      log: createLogger({ level: 'silent' }),
      sweepEveryMs: 6 * 3_600_000,
      concurrency: CONCURRENCY,
      random: () => 0.5,
    });
    const acks: number[] = [];
    let sweeping = true;
    const pinger = (async () => {
      while (sweeping) {
        const r = await harness.req.command({ text: `check 127.0.0.1:${ports[0]}`, channel: 'CBENCH' });
        acks.push(r.ackMs);
        await new Promise((res) => setTimeout(res, 200));
      }
    })();
    const rss = rssSampler();
    const t0 = performance.now();
    const result = await scheduler.tick();
    const wallMs = performance.now() - t0;
    sweeping = false;
    await pinger;
    const peakRss = rss.stop();
    if (result.role !== 'active') throw new Error('the bench scheduler did not get the lease');
    const perSec = result.sweep.checked / (wallMs / 1000);
    acks.sort((a, b) => a - b);
    const p99 = acks[Math.min(acks.length - 1, Math.floor(acks.length * 0.99))] ?? Number.NaN;
    return [
      `sweep bench: ${result.sweep.checked} watched endpoints (${SERVERS} servers, SNI names, concurrency ${CONCURRENCY})`,
      `  raw TLS handshakes: ${rawPerSec.toFixed(0)}/s (baseline, same run)`,
      `  sweep: ${(wallMs / 1000).toFixed(1)} s wall, ${perSec.toFixed(0)} checks/s = ${((perSec / rawPerSec) * 100).toFixed(1)} % of raw handshakes (target ≥ 60 %)`,
      `  peak RSS ${(peakRss / 1048576).toFixed(0)} MiB (target < 300 MiB)`,
      `  SQLite time ${result.sweep.storeMs.toFixed(0)} ms per sweep (${((result.sweep.storeMs / wallMs) * 100).toFixed(1)} % of wall)`,
      `  /cert check ack during the sweep: p99 ${p99.toFixed(1)} ms over ${acks.length} commands`,
    ].join('\n');
  } finally {
    await harness.close();
    stores.db.close();
    await Promise.all(servers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(await runSweepBench(n));
}
