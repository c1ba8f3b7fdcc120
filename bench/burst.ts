/**
 * A load generator that costs (almost) nothing per request, so the latencies it reports are the server's:
 * every request is a pre-built byte buffer, every connection is open before the clock starts, all
 * requests are written in one tick and each is timed from its write to the first bytes of its HTTP status
 * line. Connection setup is left out on purpose (a keep-alive delivery has none); `SETTLE_MS` gives the
 * server time to accept every connection before the burst, so accept() is not counted either.
 */
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Ack {
  /** HTTP status of the response; 0 when no status line arrived before the deadline or the connection closed */
  status: number;
  /** from writing the request to reading its status line, ms; NaN without a status line */
  ms: number;
}

const SETTLE_MS = 100;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;

/** One HTTP/1.1 request as bytes; `Connection: close` so the server ends each exchange on its own. */
export function httpRequest(url: URL, headers: Record<string, string>, body: string): Buffer {
  const head = [
    `POST ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
}

function open(port: number, onData: (chunk: Buffer) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
    socket.once('error', reject);
    socket.on('data', onData);
  });
}

/**
 * Sends `requests` to 127.0.0.1:`port` all at once; one Ack per request, in the order given. `ready`, when
 * given, is awaited after every connection is open and before the first write (a caller's "go" signal).
 */
export async function burst(
  port: number,
  requests: Buffer[],
  deadlineMs: number,
  ready?: () => Promise<void>,
): Promise<Ack[]> {
  const acks: Ack[] = requests.map(() => ({ status: 0, ms: Number.NaN }));
  const sentAt = new Float64Array(requests.length);
  const heads = requests.map(() => '');
  let pending = requests.length;
  let allAnswered: () => void = () => undefined;
  const answered = new Promise<void>((r) => {
    allAnswered = r;
  });
  const onData = (i: number) => (chunk: Buffer) => {
    if (acks[i]!.status) return;
    const now = performance.now();
    heads[i] += chunk.toString('latin1', 0, Math.min(chunk.length, 16));
    const m = STATUS_LINE.exec(heads[i]!);
    if (!m) return;
    acks[i] = { status: Number(m[1]), ms: now - sentAt[i]! };
    if (--pending === 0) allAnswered();
  };
  const sockets = await Promise.all(requests.map((_, i) => open(port, onData(i))));
  try {
    await sleep(SETTLE_MS);
    await ready?.();
    for (let i = 0; i < sockets.length; i++) {
      sentAt[i] = performance.now();
      sockets[i]!.write(requests[i]!);
    }
    const deadline = sleep(deadlineMs, undefined, { ref: false });
    await Promise.race([answered, deadline]);
    return acks;
  } finally {
    for (const s of sockets) s.destroy();
  }
}
