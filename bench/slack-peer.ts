/**
 * The Slack benchmark's peers, each in its own process so they do not share the app's event loop:
 * - `tls`: a loopback TLS server with a test-PKI chain; prints `{port, rootPem}` and serves until stdin ends.
 * - `load URL SECRET N PORT RESPONSE_BASE`: fires N concurrent signed `/cert check` requests at the app
 *   and prints each ack's status and latency (from sending the request to the complete response).
 */
import { makeChain } from '../test/support/pki.js';
import { startTlsServer } from '../test/support/servers.js';
import { SlackRequester } from '../test/support/slack-requests.js';

async function serveTls(): Promise<void> {
  const chain = await makeChain({ leaf: { subject: 'CN=localhost' } });
  const server = await startTlsServer({ certPem: chain.fullchainPem, keyPem: chain.leaf.keyPem });
  process.stdout.write(`${JSON.stringify({ port: server.port, rootPem: chain.root.pem })}\n`);
  process.stdin.resume();
  await new Promise((r) => process.stdin.once('end', r));
  await server.close();
}

async function load(appUrl: string, secret: string, n: number, tlsPort: number, responseBase: string) {
  const req = new SlackRequester(appUrl, secret, (id) => `${responseBase}${id}`);
  // The first fetch of a process pays for undici's setup; that is the client's cost, not the app's.
  await req.urlVerification('warm-up');
  const acks = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      req.command({ text: `check 127.0.0.1:${tlsPort}`, channel: `CB${i % 20}`, user: `UB${i}` }),
    ),
  );
  process.stdout.write(`${JSON.stringify(acks.map((a) => [a.status, a.ackMs]))}\n`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'tls') await serveTls();
else if (mode === 'load') await load(args[0]!, args[1]!, Number(args[2]), Number(args[3]), args[4]!);
else throw new Error(`usage: slack-peer.ts tls | load URL SECRET N PORT RESPONSE_BASE (got ${JSON.stringify(mode)})`);
