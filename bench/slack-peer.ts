/**
 * The Slack benchmark's peers, each in its own process so they do not share the app's event loop:
 * - `tls`: a loopback TLS server with a test-PKI chain; prints `{port, rootPem}` and serves until stdin ends.
 * - `hostile`: the same, serving issue 7's hostile chain (test/support/hostile-chain.ts) over TLS 1.2.
 * - `load URL SECRET N PORT RESPONSE_BASE`: fires N concurrent signed `/cert check` requests at the app
 *   (bench/burst.ts: pre-built, pre-connected, written in one tick) and prints `[status, ms]` per request,
 *   in the order sent, ms from the write to the status line. With `--on-go`, it connects, prints `ready`
 *   and writes the burst only when a line arrives on stdin (the caller times it against other work).
 */
import { randomUUID } from 'node:crypto';
import { makeChain } from '../test/support/pki.js';
import { startTlsServer } from '../test/support/servers.js';
import { commandBody, FORM, signedHeaders } from '../test/support/slack-requests.js';
import { burst, httpRequest } from './burst.js';

const DEADLINE_MS = 60_000;

async function serveTls(): Promise<void> {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  process.stdout.write(`${JSON.stringify({ port: server.port, rootPem: chain.root.pem })}\n`);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  await server.close();
}

async function serveHostile(): Promise<void> {
  const { hostileChain } = await import('../test/support/hostile-chain.js');
  const h = await hostileChain();
  const server = await startTlsServer({ certPem: h.servedPem, keyPem: h.chain.leaf.keyPem, maxVersion: 'TLSv1.2' });
  process.stdout.write(`${JSON.stringify({ port: server.port, rootPem: h.chain.root.pem })}\n`);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  await server.close();
}

async function waitForGo(): Promise<void> {
  process.stdout.write('ready\n');
  process.stdin.setEncoding('utf8');
  await new Promise<void>((r) => process.stdin.once('data', () => r()));
}

async function load(appUrl: string, secret: string, n: number, tlsPort: number, responseBase: string, onGo: boolean) {
  const url = new URL(appUrl);
  const requests = Array.from({ length: n }, (_, i) => {
    const fields = { text: `check 127.0.0.1:${tlsPort}`, channel: `CB${i % 20}`, user: `UB${i}` };
    const body = commandBody(fields, `${responseBase}${randomUUID()}`);
    return httpRequest(url, signedHeaders(secret, body, FORM), body);
  });
  const acks = await burst(Number(url.port), requests, DEADLINE_MS, onGo ? waitForGo : undefined);
  process.stdout.write(`${JSON.stringify(acks.map((a) => [a.status, Math.round(a.ms * 100) / 100]))}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'tls') await serveTls();
else if (mode === 'hostile') await serveHostile();
else if (mode === 'load') {
  await load(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4]!, args[5] === '--on-go');
  process.stdin.destroy();
} else
  throw new Error(
    `usage: slack-peer.ts tls | load URL SECRET N PORT RESPONSE_BASE [--on-go] (got ${JSON.stringify(mode)})`,
  );
