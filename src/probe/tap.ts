import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { yieldToPeople } from '../yield-gate.js';

/**
 * A Duplex in front of a TCP socket that shows every inbound chunk to `onData` before TLS sees it.
 * tls.connect({ socket }) on a real net.Socket hands its native handle straight to OpenSSL, so no 'data'
 * event ever fires on it; wrapping it in a plain Duplex makes Node go through JS and lets us record the
 * bytes exactly as the server sent them.
 */
export class TapStream extends Duplex {
  constructor(
    private readonly raw: Socket,
    onData: (chunk: Buffer) => void,
  ) {
    super();
    raw.on('data', (chunk: Buffer) => {
      onData(chunk);
      // pushing runs OpenSSL on the bytes at once (a 100 KB chain of big keys: ~18 ms of verification in
      // native code): a pool thread lets a burst of acks go first (yield-gate.ts)
      yieldToPeople();
      if (!this.destroyed && !this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (err) => this.destroy(err));
    raw.on('close', () => this.destroy());
  }

  override _read(): void {
    this.raw.resume();
  }

  /**
   * Ready for the next write as soon as the socket has taken this one, not once libuv reports it flushed (a
   * loop turn later): TLS writes one record at a time through this stream, so an HTTP request written right
   * after our Finished would otherwise wait that turn and whatever runs in it (issue 12). A full socket
   * buffer still holds the next write until it drains; a write error reaches us as the socket's 'error'.
   */
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.raw.destroyed) cb();
    else if (this.raw.write(chunk)) cb();
    else {
      const next = () => {
        this.raw.off('drain', next).off('close', next);
        cb();
      };
      this.raw.on('drain', next).on('close', next);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.raw.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.raw.destroy();
    cb(err);
  }
}
