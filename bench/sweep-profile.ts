/**
 * The sweep's light check in this process, for a CPU profile (issue 8): `count` light-profile checks of the sweep
 * bench's names (a leaf of its own each, bench/sweep-servers.ts in another process), `inFlight` at once, reduced
 * to their observation as the sweep lane's worker does (check-worker.ts). Prints the CPU per check of this
 * process (client side only). `node --cpu-prof --import tsx bench/sweep-profile.ts 2000 4`.
 */
import './sweep-resolver.mjs';
import { readFileSync } from 'node:fs';
import { checkJudged } from '../src/check.js';
import { observedOf } from '../src/scheduler/observe.js';
import { benchName, SERVERS, startServers } from './sweep-fixture.js';

const count = Number(process.argv[2] ?? 2000);
const inFlight = Number(process.argv[3] ?? 4);
const fx = await startServers(count);
try {
  const ca = readFileSync(fx.caFile, 'utf8');
  const opts = {
    allow: ['127.0.0.0/8'],
    extraCaPem: [ca],
    timeoutMs: 15_000,
    profile: 'light' as const,
    now: () => new Date(),
  };
  const one = async (i: number) => observedOf(await checkJudged(`${benchName(i)}:${fx.ports[i % SERVERS]}`, opts));
  // warm-up: code compiled, trust store and anchors loaded
  for (let i = 0; i < 50; i++) await one(i);
  const verdicts = new Map<string, number>();
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const o = await one(next++);
        verdicts.set(o.verdict, (verdicts.get(o.verdict) ?? 0) + 1);
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const ms = performance.now() - t0;
  console.log(
    `${count} light checks, ${inFlight} in flight: ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms CPU per check (user ${(cpu.user / 1000 / count).toFixed(2)}, system ${(cpu.system / 1000 / count).toFixed(2)}), ${((count / ms) * 1000).toFixed(0)} checks/s, verdicts ${JSON.stringify(Object.fromEntries(verdicts))}`,
  );
} finally {
  fx.child.kill('SIGTERM');
}
