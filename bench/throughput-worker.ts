/**
 * One throughput measurement in its own process (so peak RSS is that mode's alone): keep `concurrency`
 * operations in flight against the loopback endpoint for `seconds`, count completions.
 * argv: mode (tls | check | sweep), port, concurrency, seconds, caFile, root (the checkout whose src/ is
 * measured: the bench compares before/after trees with the same code). Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';

const [mode, portArg, concArg, secondsArg, caFile, root] = process.argv.slice(2);
const port = Number(portArg);
const concurrency = Number(concArg);
const seconds = Number(secondsArg);
const ca = readFileSync(caFile!, 'utf8');
type CheckFn = (input: string, opts: Record<string, unknown>) => Promise<{ verdict: string }>;
const { check } = (await import(pathToFileURL(join(root!, 'src/check.ts')).href)) as { check: CheckFn };

function handshake(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

const lookup = async () => [{ address: '127.0.0.1', family: 4 }];
let started = 0;
async function oneCheck(): Promise<void> {
  // sweep: what the scheduler runs (src/scheduler/sweep.ts sweepProfile): a full check on one sweep in
  // SWEEP_FULL_EVERY (10) of an endpoint, the light profile otherwise, both in the sweep lane
  const sweep = mode === 'sweep' ? { profile: started++ % 10 === 0 ? 'full' : 'light', lane: 'sweep' } : {};
  const d = await check(`https://localhost:${port}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8'],
    extraCaPem: [ca],
    timeoutMs: 30_000,
    lookup,
    ...sweep,
  });
  if (d.verdict !== 'ok') throw new Error(`benchmark endpoint diagnosed as ${d.verdict}`);
}

const op = mode === 'tls' ? handshake : oneCheck;
for (let i = 0; i < 3; i++) await op(); // warm-up: modules, trust store, JIT
const rssStartKb = process.memoryUsage().rss / 1024;
let done = 0;
let errors = 0;
let firstError: string | null = null;
const until = performance.now() + seconds * 1000;
async function lane(): Promise<void> {
  while (performance.now() < until) {
    try {
      await op();
      done++;
    } catch (err) {
      errors++;
      firstError ??= String(err);
    }
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, lane));
const elapsed = (performance.now() - t0) / 1000;
const maxRssKb = process.resourceUsage().maxRSS;
process.stdout.write(
  `${JSON.stringify({ mode, concurrency, perSec: done / elapsed, done, errors, firstError, rssStartKb, maxRssKb })}\n`,
);
