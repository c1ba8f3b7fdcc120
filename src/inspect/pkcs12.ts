/** PKCS#12 (RFC 7292): placeholder until the reader lands. */
import type { KeyObject } from 'node:crypto';
import { InputError, quote } from '../probe/errors.js';

export function isPkcs12(_bytes: Uint8Array): boolean {
  return false;
}

export function readPkcs12(
  _bytes: Uint8Array,
  name: string,
  _password: string | null,
): { certs: Uint8Array[]; keys: KeyObject[] } {
  throw new InputError(`${quote(name)}: PKCS#12 is not supported yet`);
}
