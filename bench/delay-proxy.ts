import net from 'node:net';

/**
 * A loopback TCP proxy that holds every chunk for `delayMs` in each direction: a real round trip of
 * 2 × delayMs between the prober and the server, so concurrent sub-probes show their worth.
 */
export async function startDelayProxy(
  upstreamPort: number,
  delayMs: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream, delayMs);
    pipeDelayed(upstream, client, delayMs);
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

// Timers of equal duration fire in insertion order, so chunk order is preserved.
function pipeDelayed(from: net.Socket, to: net.Socket, delayMs: number): void {
  from.on('data', (chunk) => setTimeout(() => !to.destroyed && to.write(chunk), delayMs));
  from.on('end', () => setTimeout(() => to.end(), delayMs));
}
