import type { ProbeErrorCode } from './types.js';

/**
 * Operational failures, typed with stable codes (undici errors.js style). Match on `code`, never on
 * `instanceof` or message text. Messages name host:port, SNI and the timeout where they apply.
 */
export class ProbeError extends Error {
  readonly code: ProbeErrorCode;
  constructor(code: ProbeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProbeError';
    this.code = code;
  }
}

/** A user input we could not understand. The message is one line and quotes the input. */
export class InputError extends ProbeError {
  constructor(message: string) {
    super('bad_input', message);
    this.name = 'InputError';
  }
}

/** Quote a user-supplied value for an error message: JSON-style, control characters escaped, long input cut. */
export function quote(value: string, max = 120): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
