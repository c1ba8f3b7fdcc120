import net from 'node:net';

/**
 * A loopback TCP proxy that makes every connection behave as if the server were `delayMs` away in each
 * direction (a round trip of 2 × delayMs), TCP connect included. The kernel completes our accept at once,
 * so the connect round trip is emulated on the data: a real client could send its first byte only after the
 * SYN/SYN-ACK round trip, so client bytes are held until accept + 2 × delayMs, then travel delayMs; server
 * bytes (a banner) could leave only once the SYN had arrived, at accept + delayMs, then travel delayMs.
 */
export async function startDelayProxy(
  upstreamPort: number,
  delayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const acceptedAt = performance.now();
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream, delayMs, acceptedAt + 2 * delayMs);
    pipeDelayed(upstream, client, delayMs, acceptedAt + delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Each chunk (and the end) is delivered at max(sent, earliest) + delayMs, in order: one queue and one timer
 * per direction, since timers of different durations need not fire in the order they were set.
 */
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number, earliest: number): void {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | null = null;
  const drain = () => {
    timer = null;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.at <= now + 0.5) {
      const { chunk } = queue.shift()!;
      if (to.destroyed) return;
      if (chunk === null) to.end();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - now);
  };
  const enqueue = (chunk: Buffer | null) => {
    queue.push({ at: Math.max(performance.now(), earliest) + delayMs, chunk });
    if (timer === null) timer = setTimeout(drain, queue[0]!.at - performance.now());
  };
  from.on('data', (chunk: Buffer) => enqueue(chunk));
  from.on('end', () => enqueue(null));
  from.on('close', () => {
    if (timer !== null && queue.length === 0) clearTimeout(timer);
  });
}
