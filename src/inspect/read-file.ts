/**
 * The one place `inspect` reads a file: regular files only, size-capped while reading, so a device, a FIFO
 * or a huge file is one clear line instead of a hang or an out-of-memory (issue 7 item 6). Kept tiny so
 * it can be swapped for the shared capped reader at merge.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError, quote } from '../probe/errors.js';

export const MAX_INPUT_BYTES = 1024 * 1024;

const WHY: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory' };

export async function readCappedFile(path: string, maxBytes = MAX_INPUT_BYTES): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new InputError(`cannot read ${quote(path)}: ${WHY[code] ?? code}`);
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new InputError(`cannot read ${quote(path)}: is a directory`);
    if (!st.isFile()) throw new InputError(`cannot read ${quote(path)}: not a regular file (device, FIFO or socket)`);
    if (st.size > maxBytes)
      throw new InputError(`cannot read ${quote(path)}: ${st.size} bytes, over the ${maxBytes}-byte limit`);
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) throw new InputError(`cannot read ${quote(path)}: over the ${maxBytes}-byte limit`);
    }
    return buf.subarray(0, n);
  } finally {
    await handle.close();
  }
}
