/**
 * The yield gate (src/yield-gate.ts): pool threads hold their heavy synchronous steps while the main thread
 * answers a burst of requests, never longer than the bounded wait, and the Slack transport's AckFirst says
 * when a burst starts and ends. Real worker threads (the real gate module under tsx), a real check pool and a
 * loopback TLS server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { chatCore } from '../src/chat/core.js';
import { AckFirst } from '../src/chat/slack/listeners.js';
import { createCheckPool, workerFile } from '../src/pool/index.js';
import type { Diagnosis } from '../src/rules/types.js';
import { installYieldGate, YieldGate, yieldedMs, yieldToPeople } from '../src/yield-gate.js';
import { type Chain, makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';
import { startHarness } from './support/slack-harness.js';

const WORKER = new URL('./support/yield-worker.ts', import.meta.url);
const codes = (d: Diagnosis) => d.findings.map((f) => f.code).sort();

/** One thread with the gate installed; step() resolves with that step's wait, onAbout fires before it yields. */
function gatedThread(gate: YieldGate) {
  const pool = new Piscina<void, number>({
    filename: WORKER.href,
    // the flags the pool gives its own threads when running from source (tsx included)
    execArgv: workerFile().execArgv,
    minThreads: 1,
    maxThreads: 1,
    workerData: { yieldGate: gate.init },
  });
  let onAbout = () => {};
  pool.on('message', (m: { aboutToYield?: true }) => {
    if (m.aboutToYield) onAbout();
  });
  const step = (about: () => void = () => {}) => {
    onAbout = about;
    return pool.run();
  };
  return { step, close: () => pool.destroy() };
}

describe('a pool thread at the gate', () => {
  test('open: no wait', async () => {
    const gate = new YieldGate({ maxWaitMs: 30_000 });
    const t = gatedThread(gate);
    try {
      assert.equal(await t.step(), 0);
    } finally {
      await t.close();
    }
  });

  test('held: the step goes on only after the main thread opens the gate', async () => {
    const gate = new YieldGate({ maxWaitMs: 30_000 });
    const t = gatedThread(gate);
    try {
      await t.step(); // the thread is up
      gate.hold(true);
      const order: string[] = [];
      const waited = await t.step(() => {
        setTimeout(() => {
          order.push('opened');
          gate.hold(false);
        }, 150);
      });
      order.push('step done');
      assert.deepEqual(order, ['opened', 'step done']);
      assert.ok(waited >= 100, `the step waited ${waited} ms; the gate opened 150 ms after it started to wait`);
    } finally {
      await t.close();
    }
  });

  test('held for good: each wait is bounded, then the thread runs free for a while (no starvation)', async () => {
    const gate = new YieldGate({ maxWaitMs: 60, freeRunMs: 30_000 });
    const t = gatedThread(gate);
    try {
      await t.step();
      gate.hold(true);
      const first = await t.step();
      assert.ok(first >= 55, `the first wait lasted ${first} ms; the bound is 60`);
      assert.ok(first < 30_000, `the first wait lasted ${first} ms`);
      // inside the free run: no wait, though the gate is still held
      assert.equal(await t.step(), 0);
      assert.equal(gate.held, true);
    } finally {
      gate.hold(false);
      await t.close();
    }
  });

  test('the main thread (no gate installed, or a malformed init) never waits', () => {
    const gate = new YieldGate({ maxWaitMs: 30_000 });
    gate.hold(true);
    const before = yieldedMs();
    yieldToPeople();
    installYieldGate({ buffer: 'not a buffer', maxWaitMs: 30_000 });
    yieldToPeople();
    installYieldGate(undefined);
    yieldToPeople();
    assert.equal(yieldedMs() - before, 0);
    gate.hold(false);
  });
});

describe('AckFirst tells when a burst starts and ends', () => {
  test('a lone request holds nothing; requests further apart than quietMs neither', async () => {
    const told: boolean[] = [];
    const gate = new AckFirst({ quietMs: 20, onBurst: (busy) => told.push(busy) });
    gate.arrived();
    await gate.run(async () => {});
    await sleep(40);
    gate.arrived();
    await sleep(40);
    gate.arrived();
    assert.deepEqual(told, []);
  });

  test('once at the second arrival within quietMs, once when it is over; work waiting or not', async () => {
    const told: boolean[] = [];
    const gate = new AckFirst({ quietMs: 20, onBurst: (busy) => told.push(busy) });
    gate.arrived();
    assert.deepEqual(told, []);
    gate.arrived();
    gate.arrived();
    assert.deepEqual(told, [true]);
    for (let i = 0; i < 200 && told.length < 2; i++) await sleep(10);
    assert.deepEqual(told, [true, false]);
    // a burst with work queued: the end is told before the work is released
    const order: string[] = [];
    gate.arrived();
    gate.arrived();
    const work = gate.run(async () => void order.push('work'));
    const at = told.length;
    await work;
    order.splice(0, 0, ...told.slice(at).map((b) => `told ${b}`));
    assert.deepEqual(told, [true, false, true, false]);
    assert.deepEqual(order, ['told false', 'work']);
  });

  test('a throwing listener does not hold up the work', async () => {
    const gate = new AckFirst({
      quietMs: 5,
      onBurst: () => {
        throw new Error('listener failed');
      },
    });
    gate.arrived();
    let ran = false;
    await gate.run(async () => {
      ran = true;
    });
    assert.equal(ran, true);
  });
});

describe('the check pool honours the gate (real check-worker, loopback TLS)', () => {
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
  const opts = () => ({
    now: () => new Date(),
    allow: ['127.0.0.0/8', '::1/128'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 20_000,
  });

  test('a check started while held finishes only after the gate opens, with the same findings', async () => {
    const pool = createCheckPool({ size: 1, minThreads: 1, yieldTimes: { maxWaitMs: 30_000 } });
    try {
      const free = await pool.check(`localhost:${server.port}`, opts());
      pool.holdForPeople(true);
      const order: string[] = [];
      const held = pool.check(`localhost:${server.port}`, opts()).then((d) => {
        order.push('check done');
        return d;
      });
      await sleep(400);
      order.push('opened');
      pool.holdForPeople(false);
      const d = await held;
      assert.deepEqual(order, ['opened', 'check done']);
      assert.deepEqual(codes(d), codes(free));
      assert.equal(d.verdict, free.verdict);
    } finally {
      await pool.close();
    }
  });

  test('held for good at the default bounds: the check still finishes, same findings', async () => {
    const pool = createCheckPool({ size: 1, minThreads: 1 });
    try {
      const free = await pool.check(`localhost:${server.port}`, opts());
      pool.holdForPeople(true);
      const d = await pool.check(`localhost:${server.port}`, opts());
      assert.deepEqual(codes(d), codes(free));
      assert.ok(!codes(d).includes('check_deadline_exceeded'), codes(d).join(','));
    } finally {
      await pool.close();
    }
  });
});

describe('wiring: the Slack app tells the pool', () => {
  test('signed slash commands over HTTP arriving together hold the checks while acked, then let them go; a lone one does not', async () => {
    const told: boolean[] = [];
    const h = await startHarness({ holdChecks: (busy) => told.push(busy) });
    try {
      const lone = await h.req.command({ text: 'help', channel: 'C-yield' });
      assert.equal(lone.status, 200);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(told, []);
      const burst = await Promise.all(
        Array.from({ length: 16 }, (_, i) => h.req.command({ text: 'help', channel: `C-yield${i}`, user: `U${i}` })),
      );
      assert.deepEqual(
        burst.map((r) => r.status),
        Array(16).fill(200),
      );
      await h.fake.waitUntil(() => (told.length >= 2 ? true : undefined), 'the burst to end', 10_000);
      assert.deepEqual(told, [true, false]);
    } finally {
      await h.close();
    }
  });

  test('chatCore hands the pool’s holdForPeople to the transport', () => {
    const calls: boolean[] = [];
    const core = chatCore({ allow: [], probeTimeoutMs: 1000 }, [], {
      check: async () => {
        throw new Error('not called');
      },
      holdForPeople: (busy) => void calls.push(busy),
    });
    core.holdChecks?.(true);
    core.holdChecks?.(false);
    assert.deepEqual(calls, [true, false]);
  });
});
