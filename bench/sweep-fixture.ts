/**
 * The sweep bench's loopback fixture (bench/sweep.ts, bench/sweep-bot.ts): the TLS servers in a process of
 * their own, and the raw handshake throughput of this machine against them, the baseline of the sweep figure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LOW_NICE, SCHED_IDLE, type WorkerPriority } from '../src/pool/priority.js';

export const SERVERS = 4;
/** loopback addresses the names resolve to (127.0.1.1 … 127.0.1.16), each served by every server's port */
export const ADDRESSES = 16;
export const RAW_CONCURRENCY = 16;
const RAW_SECONDS = 5;

/**
 * Watched name `i`: its own leaf certificate (sweep-servers.ts) and one of ADDRESSES loopback addresses, which
 * the name carries (`.aK.` is 127.0.1.K) so that the bench resolvers (sweep-resolver.mjs, sweep-worker*.ts) stay
 * a pure function of the name. Subscription `i` is `benchName(i):ports[i % SERVERS]`.
 */
export function benchName(i: number): string {
  return `n${i}.a${benchAddressIndex(i)}.bench.test`;
}

export function benchAddress(i: number): string {
  return `127.0.1.${benchAddressIndex(i)}`;
}

function benchAddressIndex(i: number): number {
  return 1 + (Math.floor(i / SERVERS) % ADDRESSES);
}

/**
 * The servers (sweep-servers.ts) for `count` names: one leaf certificate and TLS context per name, made before
 * they answer (about 2 ms a name), so a handshake costs the servers the same in the baseline and the sweep.
 */
export async function startServers(count: number): Promise<{ ports: number[]; caFile: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/sweep-servers.ts', String(SERVERS), String(count), String(ADDRESSES)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`bench servers exited (${code})`)));
  });
  return { ...(JSON.parse(line) as { ports: number[]; caFile: string }), child };
}

/**
 * Raw node:tls handshakes per second: one thread per core, RAW_CONCURRENCY in flight in all, to the sweep's
 * `count` names (each at its own address and port, sent as SNI, so each gets its own leaf). `priority`: each
 * thread lowers itself as the pool's check workers do (src/pool/priority.ts lowerThisThread, inlined: SCHED_IDLE
 * through chrt, else nice +10): on a machine that other processes also load, a thread at idle priority or nice +10 gets a
 * fraction of the CPU a normal one gets, so the baseline the sweep is held against runs at the sweep's own.
 */
export async function rawHandshakes(
  ports: number[],
  count: number,
  ca: string,
  priority: WorkerPriority = 'normal',
): Promise<{ perSec: number; done: number }> {
  const threads = availableParallelism();
  // the sweep's subscriptions: name i on ports[i % SERVERS] at its own address
  const names = Array.from({ length: count }, (_, i) => benchName(i));
  const hosts = Array.from({ length: count }, (_, i) => benchAddress(i));
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const tls = require('node:tls');
    const { ports, names, hosts, ca, concurrency, ms, offset, priority } = workerData;
    // one context for every handshake, as a real client keeps (and as the probe does: src/probe/tls-context.ts);
    // \`ca\` on each tls.connect parsed the PEM into a new context per handshake (~0.5 ms of client CPU), which
    // slowed the baseline and flattered the ratio
    const secureContext = tls.createSecureContext({ ca });
    let done = 0, i = offset;
    let until = 0, started = 0;
    const one = () => new Promise((resolve) => {
      const n = i++;
      const k = n % names.length;
      const s = tls.connect({ host: hosts[k], port: ports[k % ports.length], servername: names[k], secureContext }, () => {
        s.destroy(); done++; resolve();
      });
      s.on('error', () => resolve());
    });
    // src/pool/priority.ts lowerThisThread, inline: an eval'd thread cannot load the .ts module
    const lower = () => {
      if (priority === 'normal') return;
      const { execFileSync } = require('node:child_process');
      const fs = require('node:fs');
      const os = require('node:os');
      if (priority === 'idle' && process.platform === 'linux') {
        try {
          const tid = fs.readlinkSync('/proc/thread-self').split('/').pop();
          execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 2000 });
          const stat = fs.readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
          if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]) === ${SCHED_IDLE}) return;
        } catch {}
      }
      try { os.setPriority(Math.min(19, os.getPriority() + ${LOW_NICE})); } catch {}
    };
    Promise.resolve()
      .then(() => { lower(); started = Date.now(); until = started + ms; })
      .then(() => Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < until) await one(); })))
      .then(() => parentPort.postMessage({ done, elapsed: Date.now() - started }));`;
  // each thread's rate over its own measured window (its start and loading the priority module excluded)
  const counts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const concurrency = Math.ceil(RAW_CONCURRENCY / threads);
      const w = new Worker(code, {
        eval: true,
        workerData: {
          ports,
          names,
          hosts,
          ca,
          concurrency,
          ms: RAW_SECONDS * 1000,
          // each thread from its own part of the names: every handshake a name (and leaf) of its own
          offset: t * Math.floor(count / threads),
          priority,
        },
      });
      return new Promise<{ done: number; elapsed: number }>((resolve, reject) => {
        w.once('message', (m: { done: number; elapsed: number }) => resolve(m));
        w.once('error', reject);
      }).finally(() => w.terminate());
    }),
  );
  const done = counts.reduce((a, c) => a + c.done, 0);
  return { perSec: counts.reduce((a, c) => a + c.done / (c.elapsed / 1000), 0), done };
}
