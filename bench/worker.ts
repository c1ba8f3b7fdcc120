/**
 * One benchmark mode in its own process, so peak RSS belongs to that mode alone.
 * argv: mode (bare | check), port, runs, caFile. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { check } from '../src/check.js';

const [mode, portArg, runsArg, caFile] = process.argv.slice(2);
const port = Number(portArg);
const runs = Number(runsArg);
const ca = readFileSync(caFile!, 'utf8');

function bareHandshake(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

async function fullCheck(): Promise<void> {
  const d = await check(`https://localhost:${port}/`, {
    now: () => new Date(),
    allow: ['127.0.0.0/8', '::1/128'],
    extraCaPem: [ca],
    timeoutMs: 10_000,
  });
  if (d.verdict === 'unknown' || d.findings.some((f) => f.severity === 'critical')) {
    throw new Error(`benchmark endpoint diagnosed as ${d.verdict}: ${d.findings.map((f) => f.code).join(', ')}`);
  }
}

const run = mode === 'bare' ? bareHandshake : fullCheck;
await run(); // warm-up: module loading, trust store parse, JIT
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await run();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const p90 = times[Math.floor(times.length * 0.9)]!;
process.stdout.write(`${JSON.stringify({ mode, median, p90, maxRssKb: process.resourceUsage().maxRSS })}\n`);
