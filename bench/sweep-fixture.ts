/**
 * The sweep bench's loopback fixture (bench/sweep.ts, bench/sweep-bot.ts): the TLS servers in a process of
 * their own, and the raw handshake throughput of this machine against them, the baseline of the sweep figure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

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
 * Raw node:tls handshakes per second: one thread per core, RAW_CONCURRENCY in flight in all. `nice`: each
 * thread lowers its priority by this much first, as the pool's check workers do (src/pool/task.ts
 * WORKER_NICE): on a machine that other processes also load, a thread at nice 10 gets a fraction of the CPU
 * one at nice 0 gets, so the baseline the sweep is held against runs at the sweep's own priority.
 */
export async function rawHandshakes(
  ports: number[],
  names: string[],
  ca: string,
  nice = 0,
): Promise<{ perSec: number; done: number }> {
  const threads = availableParallelism();
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const tls = require('node:tls');
    const { ports, names, ca, concurrency, ms, offset, nice } = workerData;
    if (nice > 0) try { const os = require('node:os'); os.setPriority(Math.min(19, os.getPriority() + nice)); } catch {}
    let done = 0, i = offset;
    const until = Date.now() + ms;
    const one = () => new Promise((resolve) => {
      const n = i++;
      const s = tls.connect({ host: '127.0.0.1', port: ports[n % ports.length], servername: names[n % names.length], ca }, () => {
        s.destroy(); done++; resolve();
      });
      s.on('error', () => resolve());
    });
    Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < until) await one(); }))
      .then(() => parentPort.postMessage(done));`;
  const t0 = performance.now();
  const counts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const concurrency = Math.ceil(RAW_CONCURRENCY / threads);
      const w = new Worker(code, {
        eval: true,
        workerData: { ports, names, ca, concurrency, ms: RAW_SECONDS * 1000, offset: t * 100_000, nice },
      });
      return new Promise<number>((resolve, reject) => {
        w.once('message', (n: number) => resolve(n));
        w.once('error', reject);
      }).finally(() => w.terminate());
    }),
  );
  const done = counts.reduce((a, b) => a + b, 0);
  return { perSec: done / ((performance.now() - t0) / 1000), done };
}
