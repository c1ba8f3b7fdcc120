/**
 * Reading a file a user named (`--ca`, CERT_DOCTOR_CA, and every later file option such as `inspect FILE`):
 * regular files only, size-capped while reading. `--ca /dev/urandom` read 1.2 GB before a 10 MiB check
 * applied to the result, and a FIFO hung the process in open(2). Every refusal is one line quoting the path.
 */
// fs.promises is loaded on first use (src/cli.ts: ~2 ms of a CLI check's start-up otherwise)
import { closeSync, constants, promises as fsp, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { quote } from './probe/errors.js';

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/** A file input that cannot be used; `code` is 'bad_input' so entry points print it as one line. */
export class FileInputError extends Error {
  readonly code = 'bad_input';
  constructor(message: string) {
    super(message);
    this.name = 'FileInputError';
  }
}

const ERRNO: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOTDIR: 'a part of the path is not a directory',
};

export interface ReadFileOptions {
  /** what the file is, for the message: "--ca file", "CERT_DOCTOR_CA file", "certificate file" */
  what: string;
  /** default 10 MiB */
  maxBytes?: number;
}

/** The file's bytes, or FileInputError for anything but a regular file within the cap. */
export async function readRegularFile(path: string, opts: ReadFileOptions): Promise<Buffer> {
  const max = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const name = `${opts.what} ${quote(path)}`;
  let handle: Awaited<ReturnType<typeof fsp.open>>;
  try {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, forever; no effect on regular files
    handle = await fsp.open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new FileInputError(`cannot read ${name}: ${errnoText(err)}`);
  }
  try {
    checkStat(await handle.stat(), name, max);
    // The size can change between stat and read (a growing log, a file replaced): the cap holds while reading.
    const capped = new CappedRead(name, max);
    for (let chunk = capped.next(); chunk; chunk = capped.next()) {
      capped.took(chunk, (await handle.read(chunk, 0, chunk.length, capped.total)).bytesRead);
    }
    return capped.result();
  } catch (err) {
    throw asInputError(err, name);
  } finally {
    await handle.close();
  }
}

/**
 * readRegularFile without the event loop, for a one-shot CLI command before its first connection: five
 * thread-pool round trips (open, stat, read, read, close), each waiting for a turn of the loop, cost a
 * check ~3-5 ms on a busy host where these syscalls take ~0.2 ms (issue 12). Same checks, same messages.
 */
export function readRegularFileSync(path: string, opts: ReadFileOptions): Buffer {
  const max = opts.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const name = `${opts.what} ${quote(path)}`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK); // see readRegularFile: a FIFO
  } catch (err) {
    throw new FileInputError(`cannot read ${name}: ${errnoText(err)}`);
  }
  try {
    checkStat(fstatSync(fd), name, max);
    const capped = new CappedRead(name, max);
    for (let chunk = capped.next(); chunk; chunk = capped.next()) {
      capped.took(chunk, readSync(fd, chunk, 0, chunk.length, capped.total));
    }
    return capped.result();
  } catch (err) {
    throw asInputError(err, name);
  } finally {
    closeSync(fd);
  }
}

function checkStat(stat: Stats, name: string, max: number) {
  if (!stat.isFile()) throw new FileInputError(`cannot read ${name}: it is ${kindOf(stat)}, not a regular file`);
  if (stat.size > max) throw new FileInputError(`cannot read ${name}: ${stat.size} bytes, more than ${max}`);
}

/** Chunks read up to end of file, refusing more than `max` bytes (one byte past the cap proves "more"). */
class CappedRead {
  readonly #chunks: Buffer[] = [];
  total = 0;
  #eof = false;

  constructor(
    readonly name: string,
    readonly max: number,
  ) {}

  /** the buffer for the next read, or null at end of file */
  next(): Buffer | null {
    return this.#eof ? null : Buffer.alloc(Math.min(this.max + 1 - this.total, 1024 * 1024));
  }

  took(chunk: Buffer, bytesRead: number): void {
    if (bytesRead === 0) {
      this.#eof = true;
      return;
    }
    this.#chunks.push(chunk.subarray(0, bytesRead));
    this.total += bytesRead;
    if (this.total > this.max) throw new FileInputError(`cannot read ${this.name}: more than ${this.max} bytes`);
  }

  result(): Buffer {
    return Buffer.concat(this.#chunks, this.total);
  }
}

function asInputError(err: unknown, name: string): FileInputError {
  return err instanceof FileInputError ? err : new FileInputError(`cannot read ${name}: ${errnoText(err)}`);
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === '') return 'unreadable';
  return ERRNO[code] ? `${ERRNO[code]} (${code})` : code;
}

function kindOf(stat: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}
