/**
 * The sweep bench's loopback fixture (bench/sweep.ts, bench/sweep-bot.ts): the TLS servers in a process of
 * their own, and the raw handshake throughput of this machine against them, the baseline of the sweep figure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerPriority } from '../src/pool/priority.js';

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
 * thread lowers itself as the pool's check workers do (src/pool/priority.ts lowerThisThread, the same
 * function): on a machine that other processes also load, a thread at idle priority or nice +10 gets a
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
    const { ports, names, ca, concurrency, ms, offset, priority, priorityModule } = workerData;
    let done = 0, i = offset;
    let until = 0, started = 0;
    const one = () => new Promise((resolve) => {
      const n = i++;
      const s = tls.connect({ host: '127.0.0.1', port: ports[n % ports.length], servername: names[n % names.length], ca }, () => {
        s.destroy(); done++; resolve();
      });
      s.on('error', () => resolve());
    });
    import(priorityModule)
      .then((m) => { m.lowerThisThread(priority); started = Date.now(); until = started + ms; })
      .then(() => Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < until) await one(); })))
      .then(() => parentPort.postMessage({ done, elapsed: Date.now() - started }));`;
  // the pool's own module (under tsx, which the bench runs with and its threads inherit)
  const priorityModule = new URL('../src/pool/priority.ts', import.meta.url).href;
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
          priorityModule,
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
