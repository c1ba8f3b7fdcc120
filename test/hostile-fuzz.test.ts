/**
 * Seeded fuzz of what a TLS server can send, through the whole check(): probe → chain → rules → render.
 * Each run serves generated behaviours (one per connection, cycling) from one scripted listener and holds
 * the standard: hostile servers produce findings, never stack traces, and the process never crashes.
 * Reproduce a failure with HOSTILE_SEED=<seed printed> (and the path fast-check prints).
 */
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { check } from '../src/check.js';
import type { Diagnosis } from '../src/rules/types.js';
import { diagnosisProblems, fuzzBatches, type ScriptedServer, type Step, startScripted } from './support/hostile.js';
import { type Behaviour, behaviour, compile, useCertificate } from './support/hostile-flights.js';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const SEED = Number(process.env.HOSTILE_SEED ?? 20_240_611);
const RUNS = Number(process.env.HOSTILE_RUNS ?? 30);
/** checks run side by side per property run: limited concurrency on a loaded 2-core machine */
const BATCH = 3;
const TIMEOUT_MS = 1_500;
/** a ceiling proving the deadline holds, loose enough for a loaded CI machine */
const MARGIN_MS = 6_000;
const now = new Date('2025-06-01T12:00:00Z');

let real: Running;
let chainDer: Uint8Array;

before(async () => {
  const chain = await makeChain({}, now);
  chainDer = chain.leaf.der;
  useCertificate(chainDer);
  real = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
});
after(() => real.close());

/** A scenario: per-connection behaviours (a `proxy` entry splices to a real TLS server), and the target form. */
interface Scenario {
  connections: (Behaviour | 'proxy')[];
  byName: boolean;
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  connections: fc.array(
    fc.oneof({ weight: 8, arbitrary: behaviour }, { weight: 1, arbitrary: fc.constant('proxy' as const) }),
    { minLength: 1, maxLength: 3 },
  ),
  byName: fc.boolean(),
});

function scriptOf(s: Scenario): (i: number) => readonly Step[] {
  const scripts = s.connections.map((c): readonly Step[] =>
    c === 'proxy' ? [{ op: 'pipe', port: real.port }] : compile(c),
  );
  return (i) => scripts[i % scripts.length]!;
}

/** Runs one scenario end to end; returns what went wrong, or null. */
async function runScenario(s: Scenario): Promise<string | null> {
  const server: ScriptedServer = await startScripted(scriptOf(s));
  try {
    const target = s.byName ? `hostile.test:${server.port}` : `127.0.0.1:${server.port}`;
    const started = performance.now();
    let d: Diagnosis;
    try {
      d = await check(target, {
        now: () => now,
        allow: ['127.0.0.0/8'],
        timeoutMs: TIMEOUT_MS,
        lookup: async () => [{ address: '127.0.0.1', family: 4 }],
      });
    } catch (err) {
      return `check() rejected: ${(err as Error).stack ?? String(err)}`;
    }
    const ms = performance.now() - started;
    if (ms > TIMEOUT_MS + MARGIN_MS) return `took ${Math.round(ms)} ms`;
    trace(s, d, ms);
    return diagnosisProblems(d, s.connections.includes('proxy'));
  } finally {
    await server.close();
  }
}

/** HOSTILE_DEBUG=1 prints each scenario's outcome (for exploring with other seeds). */
function trace(s: Scenario, d: Diagnosis, ms: number): void {
  if (!process.env.HOSTILE_DEBUG) return;
  const what = s.connections.map((c) => (c === 'proxy' ? c : `${c.payload.kind}/${c.tail}/${c.chunk}`));
  console.log(`${Math.round(ms)} ms ${d.verdict} [${d.findings.map((f) => f.code).join(',')}] ${what.join(' ')}`);
}

test('hostile servers: check() resolves with known codes, no rule_error, no process-level error', () =>
  fuzzBatches(scenario, runScenario, { seed: SEED, runs: RUNS, batch: BATCH, seedVar: 'HOSTILE_SEED' }));
