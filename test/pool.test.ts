/**
 * The check pool (src/pool): real worker threads under tsx, a real loopback TLS server, and a worker that
 * spins synchronously to prove the hard deadline: the check ends with a partial diagnosis at
 * timeout + grace, the main thread stays responsive meanwhile, and the stuck thread is replaced.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { CheckPhase } from '../src/check.js';
import { type CheckPool, createCheckPool, workerExecArgv, workerFile } from '../src/pool/index.js';
import { LOW_NICE, SCHED_IDLE } from '../src/pool/priority.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';

const SPIN = new URL('./support/spin-worker.ts', import.meta.url).href;
const now = () => new Date();
const codes = (d: Diagnosis) => d.findings.map((f) => f.code);

let chain: Chain;
let server: Running;
before(async () => {
  chain = await makeChain();
  server = await startTlsServer({
    certPem: chain.fullchainPem,
    keyPem: chain.leaf.keyPem,
    headers: { 'Strict-Transport-Security': 'max-age=63072000' },
  });
});
after(() => server.close());

test('workerFile: the .ts sibling under tsx (with tsx in execArgv), the .js sibling when compiled', () => {
  const src = workerFile('file:///app/src/pool/index.ts');
  assert.equal(src.filename, 'file:///app/src/pool/check-worker.ts');
  assert.ok(/--import (tsx|file:\S*\/tsx\/)/.test(src.execArgv.join(' ')), src.execArgv.join(' '));
  const dist = workerFile('file:///app/dist/cli.js');
  assert.equal(dist.filename, 'file:///app/dist/check-worker.js');
  // compiled: the worker gets the process's own flags that a worker accepts, no loader added
  assert.deepEqual(dist.execArgv, workerExecArgv(process.execArgv));
  assert.ok(!dist.execArgv.some((a) => a.startsWith('--test')), dist.execArgv.join(' '));
});

describe('a real check in a worker', () => {
  let pool: CheckPool;
  before(() => {
    pool = createCheckPool({ size: 2, minThreads: 1 });
  });
  after(() => pool.close());

  test('answers the same diagnosis as in-process and forwards every phase to onPhase', async () => {
    const phases: CheckPhase[] = [];
    const d = await pool.check(`localhost:${server.port}`, {
      now,
      allow: ['127.0.0.0/8', '::1/128'],
      extraCaPem: [chain.root.pem],
      timeoutMs: 8000,
      onPhase: (p) => phases.push(p),
    });
    assert.equal(d.verdict, 'ok', codes(d).join(','));
    assert.equal(d.report.endpoints[0]?.handshake.status, 'completed');
    for (const p of ['resolved', 'handshake', 'chain'] as const) assert.ok(phases.includes(p), `phase ${p}: ${phases}`);
  });

  test('a bad target rejects with the one-line input error, as check() does', async () => {
    await assert.rejects(pool.check('exa mple.com', { now }), /exa mple\.com/);
  });
});

describe('hard deadline: a worker stuck in synchronous work', () => {
  let pool: CheckPool;
  before(() => {
    pool = createCheckPool({ size: 2, minThreads: 2, filename: SPIN });
  });
  after(() => pool.close());

  test('the check ends at timeout + grace with check_deadline_exceeded, the main loop never stalls, the thread is replaced', async () => {
    // warm both threads so thread start-up is not part of the measurement
    await Promise.all([pool.check('spin1.test', { now }), pool.check('spin1.test', { now })]);
    const before = pool.stats().threadIds;
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
    }, 10);
    const t0 = performance.now();
    const phases: CheckPhase[] = [];
    const d = await pool.check('spinforever.test', { now, timeoutMs: 600, onPhase: (p) => phases.push(p) });
    const took = performance.now() - t0;
    clearInterval(ticker);
    assert.ok(took < 600 + 500, `ended after ${took.toFixed(0)} ms`);
    assert.ok(took >= 600, `ended early, after ${took.toFixed(0)} ms`);
    assert.ok(maxGap < 200, `main event loop stalled ${maxGap.toFixed(0)} ms`);
    assert.deepEqual(codes(d), ['check_deadline_exceeded']);
    assert.equal(d.verdict, 'unknown');
    assert.deepEqual(phases, ['resolved']);
    assert.ok(d.report.deadline);
    assert.equal(d.report.deadline.reached.length, 1, d.report.deadline.reached.join('; '));
    assert.ok(d.report.deadline.unfinished.includes('TLS handshake'));
    assert.equal(d.report.resolution.status, 'completed');
    assert.equal(pool.stats().expired, 1);
    // piscina terminated the spinning thread (AbortSignal on a running task) and started another
    await waitFor(() => pool.stats().threadIds.length === 2);
    const afterIds = pool.stats().threadIds;
    assert.equal(afterIds.filter((id) => !before.includes(id)).length, 1, `${before} → ${afterIds}`);
    const next = await pool.check('spin1.test', { now, timeoutMs: 2000 });
    assert.deepEqual(codes(next), []);
  });

  test('a sweep check stuck past its deadline answers the observation of its partial diagnosis', async () => {
    await Promise.all([pool.check('spin1.test', { now }), pool.check('spin1.test', { now })]);
    const expiredBefore = pool.stats().expired;
    const t0 = performance.now();
    // no onPhase: an observation's worker posts no phase (task.ts 'none'; test/sweep-observe.test.ts)
    const o = await pool.observe('spinforever.test', { now, timeoutMs: 600, lane: 'sweep' });
    const took = performance.now() - t0;
    assert.ok(took >= 600 && took < 600 + 1500, `ended after ${took.toFixed(0)} ms`);
    assert.deepEqual(o.codes, ['check_deadline_exceeded']);
    assert.equal(o.verdict, 'unknown');
    assert.deepEqual(o.endpoints, []);
    assert.equal(pool.stats().expired, expiredBefore + 1);
    assert.equal(pool.stats().running.sweep, 0);
    await waitFor(() => pool.stats().threadIds.length === 2);
  });

  test('a check that outgrows its thread’s heap cap fails alone: an error for that check, the pool goes on', async () => {
    const t0 = performance.now();
    await assert.rejects(pool.check('hog.test', { now, timeoutMs: 20_000 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_WORKER_OUT_OF_MEMORY', String(err));
      return true;
    });
    assert.ok(performance.now() - t0 < 20_000);
    await waitFor(() => pool.stats().threadIds.length === 2, 10_000);
    assert.deepEqual(codes(await pool.check('spin1.test', { now, timeoutMs: 5000 })), []);
  });
});

describe('the sweep lane: several sweep checks per thread of its own', () => {
  let pool: CheckPool;
  before(() => {
    // 2 threads for people, 1 sweep thread (half of size) running up to 3 sweep checks at once
    pool = createCheckPool({ size: 2, minThreads: 2, filename: SPIN, sweepPerThread: 3 });
  });
  after(() => pool.close());
  /** a sweep check; its thread's mark (spin-worker.ts: the 'resolved' phase's address) goes to `threads` */
  const sweepCheck = (input: string, threads: string[], timeoutMs = 8000) =>
    pool.check(input, { now, lane: 'sweep', timeoutMs, onPhase: (p, d) => p === 'resolved' && threads.push(d) });
  const warm = async () => {
    // the threads booted (a new one loads tsx and the check graph: seconds on a busy machine)
    await Promise.all([
      pool.check('spin1.test', { now }),
      pool.check('spin1.test', { now }),
      sweepCheck('wait1.test', []),
    ]);
  };

  test('a sweep thread runs sweepPerThread checks at once; more wait in the lane, none in piscina', async () => {
    await warm();
    assert.equal(pool.sweepSlots, 3);
    const threads: string[] = [];
    const t0 = performance.now();
    const sweeps = Array.from({ length: 5 }, () => sweepCheck('wait600.test', threads));
    await waitFor(() => threads.length === 3);
    assert.equal(pool.stats().running.sweep, 3);
    assert.equal(pool.stats().queuedSweeps, 2);
    assert.equal(pool.stats().sweepThreadIds.length, 1);
    assert.equal(new Set(threads).size, 1, `three checks on one thread: ${threads}`);
    for (const d of await Promise.all(sweeps)) assert.deepEqual(codes(d), []);
    const took = performance.now() - t0;
    // one at a time would take 5 × 600 ms; three at a time, two rounds
    assert.ok(took < 2400, `5 waiting sweep checks took ${took.toFixed(0)} ms`);
    assert.equal(pool.stats().running.sweep, 0);
  });

  test('a person’s check does not wait behind sweep work, even while the sweep thread is stuck spinning', async () => {
    await warm();
    const sweeps = Array.from({ length: 4 }, () => sweepCheck('spin500.test', [], 5000));
    await waitFor(() => pool.stats().running.sweep === 3);
    const t0 = performance.now();
    const d = await pool.check('spin1.test', { now, timeoutMs: 5000 });
    const waited = performance.now() - t0;
    assert.deepEqual(codes(d), []);
    assert.ok(waited < 400, `interactive check waited ${waited.toFixed(0)} ms behind sweeps`);
    assert.ok(pool.stats().running.sweep > 0, 'the sweep checks were still running meanwhile');
    await Promise.all(sweeps);
  });

  /** Two sweep checks of `target` running on the sweep thread (both reported their first phase, by thread). */
  const twoBesideEachOther = async (target: string, timeoutMs: number) => {
    const threads: string[] = [];
    const waiting = [0, 1].map(() =>
      pool.observe(target, { now, lane: 'sweep', timeoutMs, onPhase: (p, d) => p === 'resolved' && threads.push(d) }),
    );
    await waitFor(() => threads.length === 2);
    return { threads, waiting };
  };

  test('a sweep check past its deadline ends its thread: the checks beside it run again on a new thread, the pool goes on', async () => {
    await warm();
    const before = pool.stats();
    const t0 = performance.now();
    const { threads, waiting } = await twoBesideEachOther('wait3000.test', 9000);
    const firstThread = threads[0]!;
    const stuck = await pool.observe('spinforever.test', { now, timeoutMs: 600, lane: 'sweep' });
    const [a, b] = await Promise.all(waiting);
    const took = performance.now() - t0;
    assert.deepEqual(stuck.codes, ['check_deadline_exceeded']);
    // interrupted at ~0.85 s with 8 s of their 9 left: run again from the start, answered in full
    for (const o of [a!, b!]) assert.deepEqual(o.codes, []);
    assert.ok(took > 3000 + 600, `the co-running checks answered after ${took.toFixed(0)} ms: not run again`);
    assert.ok(threads.length >= 4 && threads.slice(2).every((t) => t !== firstThread), `threads ${threads}`);
    const after = pool.stats();
    assert.equal(after.expired, before.expired + 1);
    assert.equal(after.interrupted, before.interrupted + 2);
    assert.equal(after.retried, before.retried + 2);
    assert.equal(after.running.sweep, 0);
    // people's threads were never touched
    assert.deepEqual(pool.stats().threadIds, before.threadIds);
  });

  test('a co-running sweep check with too little time left is not run again: it answers its partial observation', async () => {
    await warm();
    const before = pool.stats();
    const t0 = performance.now();
    const { waiting } = await twoBesideEachOther('wait5000.test', 4000);
    const stuck = await pool.observe('spinforever.test', { now, timeoutMs: 3200, lane: 'sweep' });
    const [a, b] = await Promise.all(waiting);
    const took = performance.now() - t0;
    assert.deepEqual(stuck.codes, ['check_deadline_exceeded']);
    // ended with the thread before their own 4 s: did not finish, observed so far (nothing), no error
    assert.ok(took < 4000 + 250 + 1500, `co-running checks ended after ${took.toFixed(0)} ms`);
    for (const o of [a!, b!]) {
      assert.deepEqual(o.codes, ['check_deadline_exceeded']);
      assert.equal(o.verdict, 'unknown');
      assert.deepEqual(o.endpoints, []);
    }
    const after = pool.stats();
    assert.equal(after.interrupted, before.interrupted + 2);
    assert.equal(after.retried, before.retried);
    // the next sweep check gets a new thread; people's threads were never touched
    assert.deepEqual(codes(await sweepCheck('wait1.test', [], 20_000)), []);
    assert.equal(pool.stats().sweepThreadIds.filter((id) => before.sweepThreadIds.includes(id)).length, 0);
    assert.deepEqual(pool.stats().threadIds, before.threadIds);
  });

  test('a sweep check that outgrows the heap cap ends its thread: it and the checks beside it answer partial observations', async () => {
    await warm();
    const before = pool.stats();
    const threads: string[] = [];
    const waiting = pool.observe('wait20000.test', {
      now,
      lane: 'sweep',
      timeoutMs: 25_000,
      onPhase: (p, d) => p === 'resolved' && threads.push(d),
    });
    await waitFor(() => threads.length === 1);
    const hog = await pool.observe('hog.test', { now, lane: 'sweep', timeoutMs: 25_000 });
    const beside = await waiting;
    for (const o of [hog, beside]) {
      assert.deepEqual(o.codes, ['check_deadline_exceeded']);
      assert.deepEqual(o.endpoints, []);
    }
    assert.equal(pool.stats().interrupted, before.interrupted + 2);
    assert.equal(pool.stats().expired, before.expired);
    // a thread that died is not retried: which of its checks killed it is unknown
    assert.equal(pool.stats().retried, before.retried);
    assert.deepEqual(codes(await sweepCheck('wait1.test', [], 20_000)), []);
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('worker threads inherit only the flags a worker accepts: loaders with their values, not --trace-gc or --inspect', () => {
  assert.deepEqual(
    workerExecArgv([
      '--trace-gc',
      '--import',
      'tsx',
      '--max-old-space-size=512',
      '--require=./a.cjs',
      '--inspect=9229',
      '-C',
      'dev',
      '--enable-source-maps',
    ]),
    ['--import', 'tsx', '--require=./a.cjs', '-C', 'dev', '--enable-source-maps'],
  );
});

describe('pool threads run below the main thread (priority.ts)', () => {
  const linux = process.platform === 'linux' && spawnSync('chrt', ['--version']).status === 0;
  /** this process's threads as [policy, nice] from /proc/self/task/<tid>/stat (fields 41 and 19) */
  const threads = () =>
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { tid, policy: Number(f[41 - 3]), nice: Number(f[19 - 3]) };
    });
  const warm = (p: CheckPool) =>
    Promise.all(
      [0, 1].map(() =>
        p.check(`localhost:${server.port}`, { now, allow: ['127.0.0.0/8'], extraCaPem: [chain.root.pem] }),
      ),
    );

  test('idle (the default): every pool thread is SCHED_IDLE, the main thread is not', {
    skip: !linux && 'needs Linux and chrt(1)',
  }, async () => {
    // threads of earlier tests' pools may still be exiting: count only the threads this pool started
    const before = new Set(threads().map((t) => t.tid));
    const pool = createCheckPool({ size: 2, minThreads: 2 });
    try {
      const ds = await warm(pool);
      assert.deepEqual(
        ds.map((d) => d.verdict),
        ['ok', 'ok'],
        'checks still run at idle priority',
      );
      const fresh = threads().filter((t) => !before.has(t.tid) && t.policy === SCHED_IDLE);
      assert.equal(fresh.length, 2, JSON.stringify(threads()));
      const main = threads().find((t) => t.tid === String(process.pid))!;
      assert.deepEqual([main.policy, main.nice], [0, 0], 'the main thread keeps SCHED_OTHER, nice 0');
    } finally {
      await pool.close();
    }
  });

  test('low: nice +10 on the pool threads only; normal: nothing changes', {
    skip: process.platform !== 'linux' && 'per-thread nice is Linux',
  }, async () => {
    // only the threads each pool started count: earlier pools' threads may still be exiting
    const fresh = (before: Set<string>) => threads().filter((t) => !before.has(t.tid));
    const tids = () => new Set(threads().map((t) => t.tid));
    const beforeLow = tids();
    const low = createCheckPool({ size: 2, minThreads: 2, priority: 'low' });
    try {
      await warm(low);
      const started = fresh(beforeLow);
      assert.equal(started.filter((t) => t.nice === LOW_NICE).length, 2, JSON.stringify(threads()));
      assert.equal(started.filter((t) => t.policy === SCHED_IDLE).length, 0, 'low does not use SCHED_IDLE');
    } finally {
      await low.close();
    }
    const beforeNormal = tids();
    const normal = createCheckPool({ size: 2, minThreads: 2, priority: 'normal' });
    try {
      await warm(normal);
      const changed = fresh(beforeNormal).filter((t) => t.nice !== 0 || t.policy !== 0);
      assert.deepEqual(changed, [], JSON.stringify(threads()));
    } finally {
      await normal.close();
    }
  });
});
