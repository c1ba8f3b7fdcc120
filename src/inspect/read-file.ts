/**
 * How `inspect` reads a file: through the shared capped reader (src/read-file.ts: regular files only, size-capped
 * while reading, so a device, a FIFO or a huge file is one clear line instead of a hang), with inspect's own cap
 * and its InputError, which every inspect entry point already prints as one line.
 */
import { InputError } from '../probe/errors.js';
import { FileInputError, readRegularFile } from '../read-file.js';

export const MAX_INPUT_BYTES = 1024 * 1024;

export async function readCappedFile(path: string, maxBytes = MAX_INPUT_BYTES): Promise<Buffer> {
  try {
    return await readRegularFile(path, { what: 'file', maxBytes });
  } catch (err) {
    throw err instanceof FileInputError ? new InputError(err.message) : err;
  }
}
