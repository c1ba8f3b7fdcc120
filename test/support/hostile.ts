/**
 * A scriptable hostile peer on 127.0.0.1:0: each connection plays a script of steps (read, bytes in
 * pieces, pauses, half-close, reset, echo, or a pipe to a real server), chosen per connection index, so one
 * listener can drive every sub-probe of a check differently (main handshake, no-SNI handshake, the four
 * protocol-scan handshakes, the HTTP request). Scripts are plain data: fast-check generates and prints them.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { FINDING_CODES } from '../../src/fixes/codes.js';
import { renderJson } from '../../src/render/json.js';
import { renderText } from '../../src/render/text.js';
import type { Diagnosis } from '../../src/rules/types.js';

export type Step =
  /** wait for the client's next bytes (the ClientHello, an EHLO…); remembered for `echo` */
  | { op: 'read' }
  /** write `bytes`, `chunk` bytes per write (1 = one TCP segment per byte), yielding (or `gapMs`) between writes */
  | { op: 'send'; bytes: Buffer; chunk?: number; gapMs?: number }
  | { op: 'pause'; ms: number }
  /** send back the bytes the last `read` took */
  | { op: 'echo' }
  /** half-close: FIN, then keep reading until the client goes */
  | { op: 'end' }
  | { op: 'reset' }
  /** from here on, splice the connection to a real server on this loopback port (all bytes both ways) */
  | { op: 'pipe'; port: number };

/** The script for the `index`-th connection (0-based, in accept order). A script that runs out stays silent. */
export type ScriptFor = (index: number) => readonly Step[];

export interface ScriptedServer {
  port: number;
  /** connections accepted so far */
  connections: () => number;
  close(): Promise<void>;
}

/** Cap on bytes a script remembers from the client (for echo); the client's own writes are small. */
const MAX_HEARD = 64 * 1024;

class Conn {
  private heard = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private wake: (() => void) | null = null;
  private gone = false;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('close', () => {
      this.gone = true;
      this.poke();
    });
  }

  private readonly onData = (chunk: Buffer) => {
    this.pending.push(chunk);
    this.poke();
  };

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  get alive(): boolean {
    return !this.gone && !this.socket.destroyed;
  }

  async read(): Promise<void> {
    while (this.pending.length === 0 && this.alive) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    const got = Buffer.concat(this.pending);
    this.pending = [];
    this.heard = got.subarray(0, MAX_HEARD);
  }

  async send(bytes: Buffer, chunk: number, gapMs = 0): Promise<void> {
    const size = Math.max(1, chunk);
    for (let off = 0; off < bytes.length && this.alive; off += size) {
      this.socket.write(bytes.subarray(off, off + size));
      // A separate macrotask per piece keeps Node from coalescing the writes into one segment.
      if (gapMs > 0) await sleep(gapMs);
      else if (size < bytes.length) await new Promise((r) => setImmediate(r));
    }
  }

  echo(): Promise<void> {
    return this.send(this.heard, this.heard.length);
  }

  pipe(port: number): void {
    this.socket.off('data', this.onData);
    const upstream = net.connect({ host: '127.0.0.1', port });
    upstream.on('error', () => this.socket.destroy());
    this.socket.on('close', () => upstream.destroy());
    upstream.on('close', () => this.socket.destroy());
    for (const chunk of this.pending) upstream.write(chunk);
    this.pending = [];
    this.socket.pipe(upstream).pipe(this.socket);
  }
}

async function play(conn: Conn, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    if (!conn.alive) return;
    switch (step.op) {
      case 'read':
        await conn.read();
        break;
      case 'send':
        await conn.send(step.bytes, step.chunk ?? step.bytes.length, step.gapMs);
        break;
      case 'pause':
        await sleep(step.ms);
        break;
      case 'echo':
        await conn.echo();
        break;
      case 'end':
        conn.socket.end();
        break;
      case 'reset':
        conn.socket.resetAndDestroy();
        return;
      case 'pipe':
        conn.pipe(step.port);
        return;
    }
  }
}

export async function startScripted(scriptFor: ScriptFor): Promise<ScriptedServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    const index = accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    play(new Conn(socket), scriptFor(index)).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Watches the process for unhandled rejections and uncaught exceptions while a test runs. */
export function watchProcess(): { events: string[]; stop(): void } {
  const events: string[] = [];
  const onRejection = (reason: unknown) => events.push(`unhandledRejection: ${String(reason)}`);
  const onException = (err: Error) => events.push(`uncaughtException: ${err.stack ?? String(err)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    events,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

const VERDICTS = new Set(['ok', 'warning', 'critical', 'unknown']);
const KNOWN = new Set<string>(FINDING_CODES);

/**
 * What is wrong with a diagnosis of a hostile server, or null: an unknown verdict or finding code, a rule
 * that threw (our bug), silence about a server that served nothing valid, or a renderer that throws.
 */
export function diagnosisProblems(d: Diagnosis, servedReal: boolean): string | null {
  if (!VERDICTS.has(d.verdict)) return `verdict ${d.verdict}`;
  const foreign = d.findings.map((f) => f.code).filter((c) => !KNOWN.has(c));
  if (foreign.length > 0) return `finding codes outside FINDING_CODES: ${foreign.join(', ')}`;
  const crashed = d.results.filter((r) => r.status === 'rule_error');
  if (crashed.length > 0) return `rule_error: ${crashed.map((r) => `${r.code} (${r.why})`).join('; ')}`;
  if (!servedReal && d.findings.length === 0 && d.verdict !== 'unknown') {
    return `nothing valid was served, yet no finding and verdict ${d.verdict}`;
  }
  try {
    JSON.parse(renderJson(d));
    renderText(d, { color: false, verbose: true });
    renderText(d, { color: true });
  } catch (err) {
    return `render threw: ${(err as Error).stack ?? String(err)}`;
  }
  return null;
}

export interface FuzzOptions {
  seed: number;
  runs: number;
  /** cases run side by side per property run: limited concurrency on a loaded 2-core machine */
  batch: number;
  /** the environment variable that overrides the seed, named in the failure message */
  seedVar: string;
}

/**
 * A seeded property over batches of cases run concurrently; `run` returns a problem or null. Fails on any
 * problem or any unhandled rejection / uncaught exception while it runs, printing the seed.
 */
export async function fuzzBatches<T>(
  arb: fc.Arbitrary<T>,
  run: (c: T) => Promise<string | null>,
  opts: FuzzOptions,
): Promise<void> {
  const watch = watchProcess();
  const why = `seed ${opts.seed} (${opts.seedVar}=${opts.seed} reproduces it)`;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(arb, { minLength: opts.batch, maxLength: opts.batch }), async (batch) => {
        const problems = await Promise.all(batch.map(run));
        const bad = problems.map((p, i) => (p === null ? null : `#${i}: ${p}`)).filter((p) => p !== null);
        assert.deepEqual(bad, [], why);
        assert.deepEqual(watch.events, [], why);
      }),
      { seed: opts.seed, numRuns: opts.runs, endOnFailure: true },
    );
  } catch (err) {
    console.error(`fuzz failed with ${why}`);
    throw err;
  } finally {
    watch.stop();
  }
  assert.deepEqual(watch.events, [], why);
}
