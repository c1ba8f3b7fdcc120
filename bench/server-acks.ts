/**
 * Server-side view of a burst, inside the app's process: each /slack/events request's time from its
 * headers being parsed to its response being handed to the OS, and the CPU the process spent from the
 * first request to the last ack (all threads: GC and libuv included). Client-side numbers add the load
 * generator's scheduling and the queueing behind earlier requests; these do not. Optionally a V8 CPU
 * profile ending at the last ack (open it in Chrome DevTools or speedscope).
 */
import { writeFileSync } from 'node:fs';
import { IncomingMessage, Server, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';

export interface ServerAcks {
  /** per request, in the order the requests reached the app, ms */
  times: number[];
  /** performance.now() of the first request */
  firstAt(): number | undefined;
  /** process CPU ms from the first request to the `expected`-th ack, per ack; NaN before that */
  cpuMsPerAck(): number;
  /** stops recording; writes the profile if one was asked for */
  stop(): Promise<void>;
}

/** Records the next `expected` requests; `profilePath` also profiles their ack window. */
export async function recordServerAcks(expected: number, profilePath?: string): Promise<ServerAcks> {
  const times: number[] = [];
  let first: number | undefined;
  let cpuFirst: NodeJS.CpuUsage | undefined;
  let cpuAcks: NodeJS.CpuUsage | undefined;
  const session = profilePath ? new Session() : undefined;
  let profile: Promise<unknown> | undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    // Starting takes ~100 ms of the main thread: before the burst, not at its first request.
    await session.post('Profiler.start');
  }
  const original = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string, ...args: unknown[]) {
    const [req, res] = args as [IncomingMessage, ServerResponse];
    if (event === 'request' && req instanceof IncomingMessage && req.url?.startsWith('/slack/events')) {
      const t0 = performance.now();
      if (first === undefined) {
        first = t0;
        cpuFirst = process.cpuUsage();
      }
      res.once('finish', () => {
        times.push(performance.now() - t0);
        if (times.length !== expected) return;
        cpuAcks = process.cpuUsage(cpuFirst);
        if (session) profile = session.post('Profiler.stop');
      });
    }
    return original.apply(this, [event, ...args] as Parameters<typeof original>);
  } as typeof original;
  return {
    times,
    firstAt: () => first,
    cpuMsPerAck: () => (cpuAcks ? (cpuAcks.user + cpuAcks.system) / 1000 / expected : Number.NaN),
    stop: async () => {
      Server.prototype.emit = original;
      if (!session) return;
      const result = (await profile) as { profile: unknown } | undefined;
      if (result && profilePath) writeFileSync(profilePath, JSON.stringify(result.profile));
      session.disconnect();
    },
  };
}
