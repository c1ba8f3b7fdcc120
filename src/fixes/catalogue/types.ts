import type { FindingCode } from '../codes.js';

/**
 * The client catalogue's shape: per client stack, the errors it prints (as text and as a pattern) and the
 * finding codes each can mean, most likely first. Diagnoses quote `text` in their client-impact notes
 * (src/fixes/clients.ts); `cert-doctor explain` runs the patterns backwards from a pasted error.
 */

/** One finding code an error can mean, and why. */
export interface Cause {
  code: FindingCode;
  /** one sentence: how this code produces this error */
  why: string;
}

export interface ClientError {
  /** stable id inside its stack (OpenSSL reasons use their X509_V_ERR_ name without the prefix) */
  id: string;
  /** the error as this client prints it, with the host written <host> */
  text: string;
  /** recognises the error in pasted text (case-insensitive unless the pattern says otherwise) */
  pattern: RegExp;
  /** most likely first */
  causes: Cause[];
  /** versions of the client that print it this way, when it matters */
  versions?: string;
  /** matched only when no more specific error of the same text matched (a bare "certificate verify failed") */
  fallback?: boolean;
}

/** A library or tool inside a stack that prints the stack's errors with its own wrapper (requests, aiohttp…). */
export interface Library {
  name: string;
  marker: RegExp;
  /** QUIC / HTTP/3 client: Node 20 cannot speak QUIC, so the check uses the TCP TLS endpoint */
  quic?: boolean;
}

/** How an OpenSSL verify reason looks in this client's output, e.g. curl's "SSL certificate problem: …". */
export type OpensslFormat = (reason: { num: number; name: string; text: string; nodeCode?: string }) => string;

export interface ClientStack {
  /** stable key (JSON `client.key`) */
  key: string;
  label: string;
  /** the ClientImpact key diagnoses use for this stack ('browsers', 'curl', 'python', …) */
  impact: string;
  /** the versions the texts were taken from */
  versions: string;
  /** text that identifies this client even when its error is not catalogued */
  markers: RegExp[];
  libraries?: Library[];
  /** the whole stack speaks QUIC (aioquic, msquic) */
  quic?: boolean;
  /** set when the stack verifies with OpenSSL and prints its verify reasons */
  openssl?: OpensslFormat;
  errors: ClientError[];
}

export function cause(code: FindingCode, why: string): Cause {
  return { code, why };
}
