/**
 * Issue 7 attacks against the one deadline, each from a loopback peer: AIA URLs that trickle one byte a
 * second (each fetch used to get its own timeout, in series), and the hostile chain (a leaf and 75
 * same-name CA certificates with 3072-bit moduli and ~3070-bit exponents) through the worker pool and
 * through the real Bolt app, where another user's `/cert help` must still be acked at once.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { check } from '../src/check.js';
import { checkWithDeadline } from '../src/pool/deadline.js';
import { type CheckPool, createCheckPool } from '../src/pool/index.js';
import type { Diagnosis } from '../src/rules/types.js';
import { type HostileChain, hostileChain } from './support/hostile-chain.js';
import { makeChain } from './support/pki.js';
import { type Running, startTlsServer } from './support/servers.js';
import { type Harness, startHarness } from './support/slack-harness.js';

const now = () => new Date();
const codes = (d: Diagnosis) => d.findings.map((f) => f.code);
const open: Running[] = [];
after(async () => {
  await Promise.all(open.map((s) => s.close()));
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(0)} ms, p90 ${p90(xs).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms over ${xs.length}`;

/** An HTTP server that answers 200 with a large Content-Length, then drips the body one byte a second. */
async function startTrickleHttp(): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: 4096\r\n\r\n');
      const timer = setInterval(() => socket.write(Buffer.from([0x30])), 1000);
      socket.on('close', () => {
        clearInterval(timer);
        sockets.delete(socket);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  } as Running;
}

test('four trickling AIA caIssuers URLs share the one deadline: the check ends by timeout + 0.5 s', async () => {
  const aia = await startTrickleHttp();
  open.push(aia);
  const urls = [1, 2, 3, 4].map((i) => `${aia.url}/ca${i}.crt`);
  const chain = await makeChain({ leaf: { aiaIssuerUrl: urls } });
  // only the leaf is served: the intermediate must come from AIA
  const server = await startTlsServer({ certPem: chain.leaf.pem, keyPem: chain.leaf.keyPem });
  open.push(server);
  const t0 = performance.now();
  const d = await check(`localhost:${server.port}`, {
    now,
    allow: ['127.0.0.0/8'],
    extraCaPem: [chain.root.pem],
    timeoutMs: 3000,
  });
  const took = performance.now() - t0;
  assert.ok(took < 3500, `took ${took.toFixed(0)} ms (was 4 × the timeout: each fetch had its own)`);
  assert.ok(codes(d).includes('chain_incomplete'), codes(d).join(','));
  const built = d.report.endpoints[0]?.chain;
  assert.equal(built?.status, 'completed');
  const fetches = built.status === 'completed' ? built.result.aia.fetches : [];
  assert.ok(fetches.length >= 1, 'at least the first URL was tried');
  for (const f of fetches) assert.match(f.error ?? '', /^connection_timeout: /);
});

describe('the hostile chain', () => {
  let hostile: HostileChain;
  let server: Running;
  let pool: CheckPool;
  before(async () => {
    hostile = await hostileChain();
    server = await startTlsServer({
      certPem: hostile.servedPem,
      keyPem: hostile.chain.leaf.keyPem,
      maxVersion: 'TLSv1.2',
    });
    open.push(server);
    pool = createCheckPool({ size: 2, minThreads: 2 });
  });
  after(() => pool.close());

  test('through the real Bolt app: while it runs, another user’s /cert help is acked in < 100 ms', async () => {
    const h: Harness = await startHarness({ extraCaPem: [hostile.chain.root.pem], check: pool.check });
    try {
      const help = async () => {
        const r = await h.req.command({ text: 'help', channel: 'C-other', user: 'U-other' });
        assert.equal(r.status, 200);
        return r.ackMs;
      };
      // the same requests with nothing else running: on a shared, overloaded machine even these are slow
      for (let i = 0; i < 3; i++) await help(); // warm-up: Bolt's first requests
      const quiet: number[] = [];
      for (let i = 0; i < 20; i++) quiet.push(await help());
      const acks: number[] = [];
      const sent = await h.req.command({ text: `check localhost:${server.port}`, channel: 'C-hostile' });
      assert.equal(sent.status, 200);
      let done = false;
      const diagnosis = h.fake.waitForDiagnosis('C-hostile', 10_000).finally(() => {
        done = true;
      });
      // ask for help every 40 ms for as long as the hostile check runs (its chain walk is seconds of CPU)
      while (!done) {
        acks.push(await help());
        await new Promise((res) => setTimeout(res, 40));
      }
      await diagnosis;
      assert.ok(acks.length >= 3, `only ${acks.length} help requests overlapped the check`);
      const figures = `acks during ${fmt(acks)}; quiet ${fmt(quiet)}`;
      // The promise is < 100 ms, for every ack. A shared CI box can make even a quiet ack slower than that, so
      // the bound is 100 ms or the slowest quiet ack, whichever is larger, plus 25 ms of jitter; the median must
      // hold 100 ms outright. In-process, the chain walk blocked the loop for seconds: every overlapping ack was late.
      const bound = Math.max(100, Math.max(...quiet)) + 25;
      for (const [i, ms] of acks.entries())
        assert.ok(ms < bound, `ack ${i} took ${ms.toFixed(0)} ms ≥ ${bound.toFixed(0)} ms; ${figures}`);
      assert.ok(median(acks) < 100, figures);
    } finally {
      await h.close();
    }
  });

  test('a name with 8 addresses, each serving the hostile chain: the CLI check ends within --timeout 3000 + 0.5 s', async () => {
    // the same port on 127.0.0.2…127.0.0.8 as on 127.0.0.1 (the first server's); the name resolves to all 8
    const servers = [server];
    for (let k = 2; k <= 8; k++) {
      const s = await startTlsServer({
        certPem: hostile.servedPem,
        keyPem: hostile.chain.leaf.keyPem,
        maxVersion: 'TLSv1.2',
        host: `127.0.0.${k}`,
        port: server.port,
      });
      open.push(s);
      servers.push(s);
    }
    const addresses = servers.map((_, i) => ({ address: `127.0.0.${i + 1}`, family: 4 as const }));
    const t0 = performance.now();
    const d = await checkWithDeadline(`hostile.example:${server.port}`, {
      now,
      allow: ['127.0.0.0/8'],
      extraCaPem: [hostile.chain.root.pem],
      timeoutMs: 3000,
      lookup: async () => addresses,
    });
    const took = performance.now() - t0;
    assert.ok(took < 3500, `took ${took.toFixed(0)} ms at a 3000 ms deadline (was 33–38 s at the 10 s default)`);
    assert.equal(d.report.endpoints.length, 8, 'every address was probed');
    assert.notEqual(d.verdict, 'ok', codes(d).join(','));
  });

  for (const timeoutMs of [400, 3000]) {
    test(`in the worker pool at --timeout ${timeoutMs}: ends within the deadline + 0.5 s, never "ok"`, async () => {
      const t0 = performance.now();
      const d = await pool.check(`localhost:${server.port}`, {
        now,
        allow: ['127.0.0.0/8'],
        extraCaPem: [hostile.chain.root.pem],
        timeoutMs,
      });
      const took = performance.now() - t0;
      assert.ok(took < timeoutMs + 500, `took ${took.toFixed(0)} ms at a ${timeoutMs} ms deadline`);
      assert.notEqual(d.verdict, 'ok', codes(d).join(','));
      assert.ok(d.findings.length > 0);
    });
  }
});
