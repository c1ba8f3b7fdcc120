import type { FindingCode } from '../fixes/codes.js';
import type { Diagnosis, Fix } from '../rules/types.js';

/** Whose side has to change for this cause to go away. */
export type Fault = 'server' | 'client' | 'either';

export interface ClientView {
  /** catalogue stack key: 'python', 'java', 'go', 'chrome', 'quic', … */
  key: string;
  label: string;
  /** the library inside the stack the text names (aiohttp, requests, msquic…), or null */
  library: string | null;
  versions: string;
  /** a QUIC / HTTP/3 client (Node 20 cannot reproduce it; the check uses the TCP endpoint) */
  quic: boolean;
}

/** One likely cause of the pasted error. */
export interface ExplainMatch {
  code: FindingCode;
  why: string;
  fault: Fault;
  /** how to tell this cause from the others, with a command where one exists */
  check: string;
  /** the catalogued error that matched */
  error: { client: string; id: string; text: string };
  /** whether the live check raised this code: null when no check ran */
  confirmed: boolean | null;
}

/** A catalogued error that resembles unrecognised text: a guess to compare, never a cause. */
export interface Guess {
  client: string;
  id: string;
  text: string;
  /** share of the guess's words found in the input, 0–1 */
  score: number;
}

export interface ExplainTarget {
  host: string;
  port: number;
}

export interface Explanation {
  input: string;
  client: ClientView | null;
  /** true when at least one catalogued error matched */
  recognised: boolean;
  /** most likely first */
  matches: ExplainMatch[];
  guesses: Guess[];
  /** the host the text names, or null */
  target: ExplainTarget | null;
  /** what was checked ("host:port" over TCP TLS), or null with the reason in `notes` */
  checked: string | null;
  /** plain statements: QUIC substitution, check skipped, fault, private key refused… */
  notes: string[];
  /** client-side fixes that keep verification on, for the recognised client first */
  fixes: Fix[];
  diagnosis: Diagnosis | null;
}
