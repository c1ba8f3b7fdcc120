/**
 * The sweep bench's loopback fixture (bench/sweep.ts, bench/sweep-bot.ts): the TLS servers in a process of
 * their own, and the raw handshake throughput of this machine against them, the baseline of the sweep figure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LOW_NICE, SCHED_IDLE, type WorkerPriority } from '../src/pool/priority.js';

export const SERVERS = 4;
export const RAW_CONCURRENCY = 16;
const RAW_SECONDS = 5;

export async function startServers(): Promise<{ ports: number[]; caFile: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sweep-servers.ts', String(SERVERS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
 * Raw node:tls handshakes per second: one thread per core, RAW_CONCURRENCY in flight in all. `priority`: each
 * thread lowers itself as the pool's check workers do (src/pool/priority.ts lowerThisThread, inlined: SCHED_IDLE
 * through chrt, else nice +10): on a machine that other processes also load, a thread at idle priority or nice +10 gets a
 * fraction of the CPU a normal one gets, so the baseline the sweep is held against runs at the sweep's own.
 */
export async function rawHandshakes(
  ports: number[],
  names: string[],
  ca: string,
  priority: WorkerPriority = 'normal',
): Promise<{ perSec: number; done: number }> {
  const threads = availableParallelism();
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const tls = require('node:tls');
    const { ports, names, ca, concurrency, ms, offset, priority } = workerData;
    let done = 0, i = offset;
    let until = 0, started = 0;
    const one = () => new Promise((resolve) => {
      const n = i++;
      const s = tls.connect({ host: '127.0.0.1', port: ports[n % ports.length], servername: names[n % names.length], ca }, () => {
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
          ca,
          concurrency,
          ms: RAW_SECONDS * 1000,
          offset: t * 100_000,
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
