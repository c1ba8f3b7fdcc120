/**
 * Connections and DNS answers a one-shot CLI check prepared before the program was loaded (issue 12): the
 * launcher runs src/cli-preconnect.ts first, which resolves the target, judges the addresses with the same
 * address policy, validates the --ca bundles and opens the TCP connection the main handshake will use; the
 * probe then takes them here instead of looking the name up and connecting again. The connect round trip
 * overlaps with loading the program (~20-40 ms) instead of following it.
 *
 * The two sides are separate bundles (dist/cli-preconnect.cjs, dist/cli-bundle.cjs), each with its own copy
 * of this module, so the offers live on globalThis under a registered symbol. Nothing but the launcher of a
 * one-shot CLI process offers anything: the bot, its pool threads and in-process callers find nothing here
 * and probe exactly as before. Each offer is taken at most once.
 */
import type net from 'node:net';
import { trace } from '../trace.js';
import type { TlsVersion } from './types.js';

/**
 * The protocol scan's versions probed as soon as an address's main handshake has started (address-probe.ts);
 * TLS 1.3 waits for the main handshake, which usually answers it.
 */
export const SCAN_AT_ONCE: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2'];

/**
 * The TCP connections the launcher opens early for a full-profile probe of an address: the main handshake's
 * (its first) and the scan's first probes' (address-probe.ts). Each is taken, none is left over. Not the
 * no-SNI handshake's: its ClientHello, ready a few ms after the main one, would then leave with it once the
 * connect completes, and its flight would arrive with the main flight, whose handling (the HTTP request
 * leaves from it) it delays by its own (~5 ms of decrypting and parsing a chain); opened by the probe, it
 * finishes while the request is on the wire. A version probe's answer costs next to nothing to read.
 */
export const EARLY_CONNECTIONS = 1 + SCAN_AT_ONCE.length;

type Answers = Promise<{ address: string; family: 4 | 6 }[]>;

/** A TCP connection opened early, to an address the policy allowed. */
export interface EarlyConnection {
  address: string;
  port: number;
  socket: net.Socket;
  /** performance.now() when the connect started, so the handshake's connectMs stays the real one */
  readonly startedAt: number;
  /** performance.now() when it connected; null while the connect is under way */
  readonly connectedAt: number | null;
  /** an error or close before the probe took it: the probe connects afresh and meets the outcome itself */
  failed: boolean;
  /** removes the offer's own listeners and refs the socket (a closure: the taker may be another bundle's copy) */
  release(): void;
}

interface Offers {
  answers: Map<string, Answers>;
  connections: EarlyConnection[];
  /** the text of each --ca / CERT_DOCTOR_CA bundle the first step found to parse */
  validCa: Set<string>;
}

const KEY = Symbol.for('cert-doctor.preconnect');

function offers(create: boolean): Offers | undefined {
  const g = globalThis as { [KEY]?: Offers };
  if (g[KEY] === undefined && create) g[KEY] = { answers: new Map(), connections: [], validCa: new Set() };
  return g[KEY];
}

/** The system resolver's answers for `host`, still pending or settled; a rejection is the lookup's failure. */
export function offerAnswers(host: string, answers: Answers): void {
  answers.catch(() => undefined); // observed by whoever takes it
  offers(true)!.answers.set(host, answers);
}

export function takeAnswers(host: string): Answers | undefined {
  const all = offers(false)?.answers;
  const found = all?.get(host);
  all?.delete(host);
  return found;
}

/**
 * Extra CA bundles the first step validated as the check does (parsed them, or knew them from an earlier run:
 * src/cli-ca-memo.ts). The check then parses them on first use rather than before its ClientHello (trust.ts).
 */
export function offerValidCa(pems: readonly string[]): void {
  for (const pem of pems) offers(true)!.validCa.add(pem);
}

export function validatedEarly(pem: string): boolean {
  return offers(false)?.validCa.has(pem) === true;
}

/**
 * performance.now() of an instant taken with process.hrtime.bigint() (the same monotonic clock): the launcher's
 * first use of the `performance` global loads perf_hooks (~0.7 ms), which is not worth paying before the SYN.
 */
const perfNow = (at: bigint) => performance.now() - Number(process.hrtime.bigint() - at) / 1e6;

/**
 * Opens `address`:`port` now. The socket is unref'd until taken, so a connection the probe does not take
 * (it decided otherwise) never keeps the process alive.
 */
export function offerConnection(connect: () => net.Socket, address: string, port: number): EarlyConnection {
  const startedAt = process.hrtime.bigint();
  let connectedAt: bigint | null = null;
  const socket = connect();
  const connected = () => {
    connectedAt = process.hrtime.bigint();
  };
  const failed = () => {
    early.failed = true;
    socket.destroy();
  };
  const early: EarlyConnection = {
    address,
    port,
    socket,
    get startedAt() {
      return perfNow(startedAt);
    },
    get connectedAt() {
      return connectedAt === null ? null : perfNow(connectedAt);
    },
    failed: false,
    release: () => {
      socket.off('connect', connected).off('error', failed).off('close', failed);
      socket.ref();
    },
  };
  socket.unref();
  socket.once('connect', connected);
  socket.on('error', failed);
  socket.once('close', failed);
  offers(true)!.connections.push(early);
  return early;
}

/**
 * An early connection to `address`:`port`, the oldest first (the main handshake, which starts first, gets the
 * first one opened), if one is still usable; the caller owns it from now on.
 */
export function takeConnection(address: string, port: number): EarlyConnection | undefined {
  const list = offers(false)?.connections;
  const at = list?.findIndex((c) => c.address === address && c.port === port) ?? -1;
  if (list === undefined || at < 0) return undefined;
  const [early] = list.splice(at, 1);
  if (early!.failed || early!.socket.destroyed) return undefined;
  early!.release();
  trace(`preconnect: taken ${address} port ${port} (${list.length} left)`);
  return early;
}
