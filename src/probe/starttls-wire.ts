import type { Socket } from 'node:net';
import { hostPort, ProbeError, quote } from './errors.js';
import { printablePrefix } from './tls-records.js';

/** What a parser took from the front of the buffer: the value and how many bytes it used. */
export type Parsed<T> = { value: T; used: number } | null;

/** Total plaintext a server may send before TLS starts; a real greeting plus EHLO reply is < 2 KiB. */
export const MAX_NEGOTIATION_BYTES = 16 * 1024;

/**
 * The plaintext side of a STARTTLS upgrade on a connected socket: bounded reads, writes, and one failure
 * (timeout, abort, close, over-size) that every pending read sees. The server is never trusted: it may
 * stall, flood, close or lie, and each becomes a ProbeError with a stable code.
 */
export class Wire {
  private buf: Buffer = Buffer.alloc(0);
  private received = 0;
  private failure: ProbeError | null = null;
  private wake: (() => void) | null = null;
  private readonly timer: NodeJS.Timeout;
  readonly where: string;

  constructor(
    private readonly socket: Socket,
    readonly protocol: string,
    private readonly opts: { timeoutMs: number; signal?: AbortSignal; maxBytes?: number },
  ) {
    this.where = hostPort(socket.remoteAddress ?? 'server', socket.remotePort ?? 0);
    this.timer = setTimeout(() => this.timeout(`within ${opts.timeoutMs} ms`), opts.timeoutMs);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
    opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (opts.signal?.aborted) this.onAbort();
  }

  /**
   * Wait until `parse` finds a complete message at the front of the buffer; consume and return it. With
   * `endsWith` (the byte every message ends in), `parse` is retried only once such a byte has arrived:
   * parsers walk the whole buffer, so retrying on every segment of a peer dripping one byte at a time
   * would cost O(n²) CPU up to the cap.
   */
  async read<T>(parse: (buf: Buffer) => Parsed<T>, what: string, endsWith?: number): Promise<T> {
    let tried = -1;
    for (;;) {
      if (tried < 0 || endsWith === undefined || this.buf.indexOf(endsWith, tried) >= 0) {
        const got = parse(this.buf);
        if (got !== null) {
          this.buf = this.buf.subarray(got.used);
          return got.value;
        }
        tried = this.buf.length;
      }
      if (this.failure) throw this.withContext(this.failure, what);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** A not_tls error naming what the server said instead of agreeing to start TLS. */
  refused(detail: string): ProbeError {
    return new ProbeError('not_tls', `${this.where} (${this.protocol}) ${detail}`);
  }

  /**
   * Stop reading and leave the socket paused for the TLS layer. Bytes the server sent after its go-ahead
   * arrived before our ClientHello, so they cannot be TLS: a server (or a man in the middle) injecting
   * them is refused rather than parsed (the STARTTLS command-injection class, CVE-2011-0411).
   */
  finish(): void {
    this.detach();
    if (this.buf.length > 0) {
      throw this.refused(
        `sent ${this.buf.length} bytes after agreeing to start TLS, before our ClientHello: ${quote(printablePrefix(this.buf))}`,
      );
    }
  }

  detach(): void {
    clearTimeout(this.timer);
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }

  /** Bytes up to the cap still reach the parser, so a wrong first answer is reported as what it is. */
  private readonly onData = (chunk: Buffer) => {
    const cap = this.opts.maxBytes ?? MAX_NEGOTIATION_BYTES;
    const room = Math.max(0, cap - this.received);
    this.received += chunk.length;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length > 0) this.buf = this.buf.length === 0 ? kept : Buffer.concat([this.buf, kept]);
    if (this.received > cap) {
      this.fail(
        new ProbeError('too_large', `${this.where} (${this.protocol}) sent more than ${cap} bytes of plaintext`),
      );
    }
    this.poke();
  };

  private readonly onEnd = () => {
    this.fail(new ProbeError('connection_reset', `${this.where} (${this.protocol}) closed the connection`));
  };

  private readonly onError = (err: Error) => {
    const code = (err as { code?: string }).code ?? err.message;
    const e = new ProbeError('connection_reset', `${this.where} (${this.protocol}) reset the connection (${code})`, {
      cause: err,
    });
    this.fail(e);
  };

  private readonly onAbort = () => this.timeout('before the probe deadline');

  private timeout(when: string): void {
    const msg = `${this.where} (${this.protocol}) did not finish the STARTTLS negotiation ${when}`;
    this.fail(new ProbeError('connection_timeout', msg));
  }

  private fail(err: ProbeError): void {
    this.failure ??= err;
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private withContext(err: ProbeError, what: string): ProbeError {
    const seen = this.buf.length > 0 ? `; it had sent ${quote(printablePrefix(this.buf))}` : '';
    return new ProbeError(err.code, `${err.message} while we waited for ${what}${seen}`, { cause: err.cause });
  }
}

/** Server text made safe to quote: printable ASCII only. */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '.');
}

export const LF = 0x0a;

/** One CRLF- or LF-terminated line, without its terminator. */
export function line(buf: Buffer): Parsed<string> {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) return null;
  const end = nl > 0 && buf[nl - 1] === 0x0d ? nl - 1 : nl;
  return { value: buf.subarray(0, end).toString('latin1'), used: nl + 1 };
}

type NumericReply = { code: string; lines: string[] };

/**
 * A complete numeric reply (SMTP RFC 5321 §4.2.1, FTP RFC 959 §4.2): `ddd-text` lines continue,
 * `ddd text` (or a bare `ddd`) with the same code ends it. A first line that is not a reply at all is
 * returned as soon as it is seen, so the caller can quote it.
 */
export function numericReply(buf: Buffer): Parsed<NumericReply> {
  return numericReplyParser()(buf);
}

/**
 * numericReply for one read: it keeps the lines already parsed, so a reply of thousands of continuation
 * lines arriving one segment at a time is parsed once, not once per segment (O(n²) CPU up to the cap).
 */
export function numericReplyParser(): (buf: Buffer) => Parsed<NumericReply> {
  const lines: string[] = [];
  let used = 0;
  return (buf) => {
    for (;;) {
      const next = line(buf.subarray(used));
      if (next === null) return null;
      used += next.used;
      lines.push(next.value);
      const m = /^(\d{3})(-?)/.exec(next.value);
      // RFC 959 lets a multi-line reply carry arbitrary lines between its first and last.
      if (!m && lines.length === 1) return { value: { code: '', lines }, used };
      if (m && m[2] !== '-' && (lines.length === 1 || m[1] === /^\d{3}/.exec(lines[0]!)?.[0])) {
        return { value: { code: m[1]!, lines }, used };
      }
    }
  };
}
